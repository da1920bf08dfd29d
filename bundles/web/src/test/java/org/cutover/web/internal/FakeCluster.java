package org.cutover.web.internal;

import java.security.AccessController;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.security.auth.Subject;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.Group;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;
import org.cutover.api.LogStatus;
import org.cutover.api.Member;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;

/**
 * The node's services as the page uses them, in memory: N nodes, groups with one member per node, the cluster's
 * default ACL (admin for everything), and adjusts and holds that record the calling JAAS user as core does. The
 * page's tests are about the page; the cluster itself is proven in core and the process ITs.
 */
final class FakeCluster implements ClusterService, GroupService, VersionService, UpgradeService {

    private final List<String> nodes = new ArrayList<>();
    private final TreeMap<String, GroupInfo> groups = new TreeMap<>();
    private final List<AdjustRecord> history = new ArrayList<>();
    private final TreeMap<String, String> revoked = new TreeMap<>();
    private final int potential;
    private long commit = 10;
    private UpgradeStatus upgrade;

    FakeCluster(int nodeCount, List<String> groupNames, int level, int potential) {
        this.potential = potential;
        for (int i = 1; i <= nodeCount; i++) {
            nodes.add("node" + i);
        }
        for (String g : groupNames) {
            groups.put(g, new GroupInfo(g, level, potential, 1, members(g), false));
        }
    }

    private List<Member> members(String group) {
        return nodes.stream().map(n -> new Member(n, n + "#" + group)).toList();
    }

    /** a level change made elsewhere in the cluster, as this node would apply it */
    synchronized void setLevel(String group, int level) {
        GroupInfo g = groups.get(group);
        groups.put(group, new GroupInfo(group, level, g.potentialLevel(), g.epoch() + 1, g.members(), g.held()));
        commit++;
    }

    synchronized int level(String group) {
        return groups.get(group).level();
    }

    @Override
    public String localNode() {
        return nodes.get(0);
    }

    @Override
    public synchronized List<DefinedNode> definedNodes() {
        TreeSet<Integer> levels = new TreeSet<>();
        for (int l = 1; l <= potential; l++) {
            levels.add(l);
        }
        return nodes.stream().map(n -> new DefinedNode(n, NodeStatus.ACTIVE, "127.0.0.1:7800", levels)).toList();
    }

    @Override
    public Optional<DefinedNode> definedNode(String name) {
        return definedNodes().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    @Override
    public void removeNode(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> voters() {
        return List.copyOf(nodes);
    }

    @Override
    public boolean addNode(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> recoverMajority() {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized void hold(boolean held, List<String> names) {
        for (String name : names.isEmpty() ? List.copyOf(groups.keySet()) : names) {
            GroupInfo g = groups.get(name);
            if (g == null) {
                throw new org.cutover.api.GroupException(ReasonCode.UNKNOWN_GROUP, "no group " + name);
            }
            groups.put(name, new GroupInfo(name, g.level(), g.potentialLevel(), g.epoch(), g.members(), held));
        }
        commit++;
    }

    @Override
    public synchronized LogStatus logStatus() {
        return new LogStatus(true, nodes.get(0), commit, commit);
    }

    @Override
    public Map<String, List<String>> acl() {
        return Map.of("adjust", List.of("admin"), "hold", List.of("admin"));
    }

    @Override
    public void setAcl(String operation, List<String> roles) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String revokeCertificate(String node) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized Map<String, String> revokedCertificates() {
        return new TreeMap<>(revoked);
    }

    /** as if the cluster had applied a revocation of the node's certificate with this fingerprint */
    synchronized void revoked(String node, String fingerprint) {
        revoked.put(fingerprint, node);
    }

    @Override
    public Group join(String group, GroupListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized List<GroupInfo> groups() {
        return List.copyOf(groups.values());
    }

    @Override
    public synchronized Optional<GroupInfo> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }

    @Override
    public synchronized CheckResult check(VersionRequest request) {
        List<CheckFailure> failures = new ArrayList<>();
        int target = request.target().orElse(potential);
        if (target > potential) {
            failures.add(new CheckFailure(ReasonCode.NODE_INCAPABLE, List.copyOf(nodes),
                    "no node runs level " + target));
        }
        return new CheckResult(target, Map.of(), Map.of(), failures);
    }

    @Override
    public AdjustResult adjust(VersionRequest request) {
        return adjust(request, Set.of());
    }

    @Override
    @SuppressWarnings("removal")
    public synchronized AdjustResult adjust(VersionRequest request, Set<AdjustOption> options) {
        CheckResult check = check(request);
        if (!check.passed()) {
            return AdjustResult.refused(check);
        }
        String user = "node";
        Subject s = Subject.getSubject(AccessController.getContext());
        if (s != null) {
            for (Principal p : s.getPrincipals()) {
                if (p instanceof TestPrincipals.UserPrincipal) {
                    user = p.getName();
                }
            }
        }
        List<String> names = request.all() ? List.copyOf(groups.keySet()) : List.copyOf(request.groups());
        int from = groups.get(names.get(0)).level();
        long epoch = 0;
        List<MemberConfirmation> confirmations = new ArrayList<>();
        for (String name : names) {
            setLevel(name, check.targetLevel());
            epoch = groups.get(name).epoch();
            groups.get(name).members().forEach(m -> confirmations.add(new MemberConfirmation(m, Duration.ofMillis(3))));
        }
        history.add(new AdjustRecord(Instant.now(), user, names, from, check.targetLevel(), epoch,
                Duration.ofMillis(3), "APPLIED"));
        return new AdjustResult(check, true, Map.of(names.get(0), epoch), confirmations, Map.of(), Duration.ofMillis(3));
    }

    @Override
    public synchronized List<AdjustRecord> history(Optional<String> group) {
        return List.copyOf(history);
    }

    /** an upgrade as the log would have it on this node */
    synchronized void setUpgrade(UpgradeStatus u) {
        upgrade = u;
    }

    @Override
    public UpgradeStatus start(String feature, int parallel, boolean dryRun) {
        throw new UnsupportedOperationException();
    }

    @Override
    public UpgradeStatus start(String feature, int parallel, boolean dryRun, String karName, byte[] kar,
                               byte[] signature) {
        throw new UnsupportedOperationException();
    }

    @Override
    public UpgradeStatus retire(String feature, int parallel, boolean dryRun) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized Optional<UpgradeStatus> status() {
        return Optional.ofNullable(upgrade);
    }

    @Override
    public UpgradeStatus abort() {
        throw new UnsupportedOperationException();
    }
}
