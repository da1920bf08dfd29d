package org.cutover.core.internal.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.core.internal.Names;
import org.cutover.core.internal.wire.Envelope.*;

/**
 * The cluster's replicated state: defined nodes with their capabilities, groups
 * with level, epoch and members, and the adjust history. It changes only
 * through the apply methods, which are fed from the totally ordered stream and
 * decide from nothing but the state and the message, so every replica that
 * applies the same sequence ends in the same state. Not thread-safe: the
 * owning node serializes access.
 */
public final class ClusterState {

    /**
     * What applying one message did.
     *
     * @param newEpochs each group an adjust switched, with its new epoch
     * @param switched  what an adjust switched, with each group's members at that point; null for any other entry
     */
    public record Result(List<MembershipChange> changes, ReasonCode refused, String why, Map<String, Long> newEpochs,
                         Switched switched) {
        public Result(List<MembershipChange> changes, ReasonCode refused, String why, Map<String, Long> newEpochs) {
            this(changes, refused, why, newEpochs, null);
        }

        /** applied, and no member's view of the group changed */
        public static final Result NOTHING = new Result(List.of(), null, null, Map.of());

        static Result of(List<MembershipChange> changes) {
            return new Result(changes, null, null, Map.of());
        }

        public static Result refuse(ReasonCode code, String why) {
            return new Result(List.of(), code, why, Map.of());
        }

        public boolean accepted() {
            return refused == null;
        }
    }

    final TreeMap<String, NodeRecord> nodes = new TreeMap<>();
    /** by name, for listings and snapshots; changed only through {@link #putGroup} */
    final TreeMap<String, GroupRecord> groups = new TreeMap<>();
    /**
     * the same records by hash, for lookups: an adjust of 1,000 groups spent most of its 152 µs (CPU, p50) in the
     * TreeMap's string comparisons, on every node
     */
    private final HashMap<String, GroupRecord> groupIndex = new HashMap<>();
    final AdjustHistory history = new AdjustHistory();
    final ClusterAcl acl = new ClusterAcl();
    long lastViewId;
    private long lastViewTerm;
    /** the running upgrade, or the last one; null before the first */
    Rollout rollout;
    /**
     * the features the cluster's finished upgrades installed on every node and no retirement took away since: what
     * a node that comes back without a level its groups run installs to heal itself
     */
    final SortedSet<String> clusterFeatures = new TreeSet<>();
    /** the KAR the running (or last) rollout brings, if any */
    Kar rolloutKar;
    /** the KARs the cluster's features came in, by feature: a node healed later takes its feature from them */
    final Map<String, Kar> clusterKars = new TreeMap<>();
    /** revoked node certificates: SHA-256 of the DER (hex) → the node it was issued to */
    final TreeMap<String, String> revoked = new TreeMap<>();
    /** the largest KAR an upgrade may bring: it travels in one log entry and stays in every snapshot */
    public static final int MAX_KAR_BYTES = 8 * 1024 * 1024;

    // ---- queries ----

    public List<DefinedNode> definedNodes() {
        List<DefinedNode> list = new ArrayList<>(nodes.size());
        nodes.values().forEach(n -> list.add(n.toDefinedNode()));
        return list;
    }

    public Optional<DefinedNode> definedNode(String name) {
        return Optional.ofNullable(nodes.get(name)).map(NodeRecord::toDefinedNode);
    }

    public List<GroupInfo> groups() {
        int potential = potentialLevel();
        List<GroupInfo> list = new ArrayList<>(groups.size());
        groups.values().forEach(g -> list.add(new GroupInfo(g.name, g.level, potential, g.epoch, g.memberList(),
                g.held)));
        return list;
    }

    public Optional<GroupInfo> group(String name) {
        GroupRecord g = groupIndex.get(name);
        return g == null ? Optional.empty()
                : Optional.of(new GroupInfo(g.name, g.level, potentialLevel(), g.epoch, g.memberList(), g.held));
    }

    /** the highest level every defined node can run, 0 if none */
    public int potentialLevel() {
        SortedSet<Integer> common = null;
        for (NodeRecord n : nodes.values()) {
            if (common == null) {
                common = new TreeSet<>(n.levels);
            } else {
                common.retainAll(n.levels);
            }
        }
        return common == null || common.isEmpty() ? 0 : common.last();
    }

    /** the groups an automatic adjust would move: below the potential level and not held */
    public Set<String> groupsToRaise() {
        int potential = potentialLevel();
        Set<String> names = new java.util.TreeSet<>();
        groups.values().forEach(g -> {
            if (!g.held && g.level < potential) {
                names.add(g.name);
            }
        });
        return names;
    }

    public List<AdjustRecord> history(Optional<String> group) {
        return history.list(group);
    }

    /** the name of the node whose current address is this UUID */
    public Optional<String> nodeWithUuid(String uuid) {
        for (NodeRecord n : nodes.values()) {
            if (uuid.equals(n.uuid)) {
                return Optional.of(n.name);
            }
        }
        return Optional.empty();
    }

    public long incarnationOf(String node) {
        NodeRecord n = nodes.get(node);
        return n == null ? 0 : n.incarnation;
    }

    public Optional<String> uuidOf(String node) {
        return Optional.ofNullable(nodes.get(node)).map(n -> n.uuid);
    }

    /** this node's view of every group's level and epoch, for a Hello */
    /** from the levels file at start: a group takes the saved level where its epoch is higher */
    public void restoreVersions(List<GroupVersion> versions) {
        for (GroupVersion v : versions) {
            GroupRecord g = groupIndex.get(v.group());
            if (g == null) {
                putGroup(new GroupRecord(v.group(), v.level(), v.epoch()));
            } else if (v.epoch() > g.epoch) {
                g.level = v.level();
                g.epoch = v.epoch();
            }
        }
    }

    /** a group's level and epoch, without building its member list and potential level as {@link #group} does */
    public Optional<GroupVersion> groupVersion(String name) {
        GroupRecord g = groupIndex.get(name);
        return g == null ? Optional.empty() : Optional.of(new GroupVersion(g.name, g.level, g.epoch));
    }

    public List<GroupVersion> groupVersions() {
        List<GroupVersion> list = new ArrayList<>(groups.size());
        groups.values().forEach(g -> list.add(new GroupVersion(g.name, g.level, g.epoch)));
        return list;
    }

    /** whether {@code node} hosts a member of any of the groups */
    public boolean hostsMembers(String node, List<GroupVersion> groupsNamed) {
        for (GroupVersion v : groupsNamed) {
            GroupRecord g = groupIndex.get(v.group());
            if (g != null && g.hasMemberOn(node)) {
                return true;
            }
        }
        return false;
    }

    // ---- ordered messages ----

    public Result hello(Hello h) {
        if (!printable(h.node()) || !levels(h.levels()) || h.groups().stream().anyMatch(v -> !printable(v.group())
                || v.level() < 1 || v.epoch() < 0)) {
            // it would set groups to no level, or put names into every table: no node of ours writes it
            return Result.refuse(ReasonCode.INVALID_LEVEL, "a hello with a name that is not printable, a level"
                    + " below 1 or a negative epoch changes nothing");
        }
        List<MembershipChange> changes = new ArrayList<>();
        NodeRecord node = nodes.get(h.node());
        if (node == null) {
            node = new NodeRecord(h.node(), NodeStatus.ACTIVE, h.uuid(), h.address(), h.levels());
            nodes.put(h.node(), node);
        } else {
            node.status = NodeStatus.ACTIVE;
            node.uuid = h.uuid();
            node.address = h.address();
            node.levels = new TreeSet<>(h.levels());
        }
        node.incarnation = Math.max(node.incarnation, h.incarnation()) + (h.fresh() ? 1 : 0);
        for (GroupVersion v : h.groups()) {
            GroupRecord g = groupIndex.get(v.group());
            if (g == null) {
                putGroup(new GroupRecord(v.group(), v.level(), v.epoch()));
            } else if (v.epoch() > g.epoch) {
                // after a full restart or a merge, the highest epoch wins
                int from = g.level;
                g.level = v.level();
                g.epoch = v.epoch();
                changes.addAll(dropIncapable(g, from, h.node()));
                changes.add(new MembershipChange(Reason.ADJUST_VERSION, g.name, List.of(), from, g.level, g.epoch,
                        h.node()));
            }
        }
        for (GroupRecord g : groups.values()) {
            List<String> announced = h.members().getOrDefault(g.name, List.of());
            List<Member> stale = new ArrayList<>();
            g.removeIf((id, n) -> {
                if (n.equals(h.node()) && !announced.contains(id)) {
                    stale.add(new Member(h.node(), id));
                    return true;
                }
                return false;
            });
            if (!stale.isEmpty()) {
                changes.add(change(Reason.FAILURE, g, stale, h.node()));
            }
            if (!node.levels.contains(g.level)) {
                continue;
            }
            List<Member> added = new ArrayList<>();
            for (String id : announced) {
                if (g.add(id, node.name)) {
                    added.add(new Member(h.node(), id));
                }
            }
            if (!added.isEmpty()) {
                changes.add(change(Reason.JOIN, g, added, h.node()));
            }
        }
        return Result.of(changes);
    }

    public Result capabilityChanged(CapabilityChanged c) {
        NodeRecord node = nodes.get(c.node());
        if (node == null) {
            return Result.refuse(ReasonCode.NOT_CONNECTED, "node " + c.node() + " has not said hello");
        }
        if (!levels(c.levels())) {
            return Result.refuse(ReasonCode.INVALID_LEVEL, "node " + c.node() + " announced a level below 1");
        }
        node.levels = new TreeSet<>(c.levels());
        List<MembershipChange> changes = new ArrayList<>();
        for (GroupRecord g : groups.values()) {
            if (!node.levels.contains(g.level)) {
                List<Member> gone = g.removeMembersOf(node.name);
                if (!gone.isEmpty()) {
                    changes.add(change(Reason.NODE_INCAPABLE, g, gone, node.name));
                }
            }
        }
        return Result.of(changes);
    }

    public Result goodbye(Goodbye bye) {
        NodeRecord node = nodes.get(bye.node());
        if (node == null) {
            return Result.of(List.of());
        }
        node.status = NodeStatus.INACTIVE;
        dryRunCannotReach(node, rolloutStart());
        return Result.of(removeMembersOf(bye.node(), Reason.LEAVE));
    }

    /**
     * The leader's view: defined nodes in it are ACTIVE (unless they left in order and have not said hello since),
     * the others PARTITIONED, and their members leave with FAILURE. Views are ordered by (leader term, view id), so
     * a deposed leader's view that is committed after a newer one changes nothing.
     */
    public Result viewChanged(ViewChanged v) {
        if (v.term() < lastViewTerm || (v.term() == lastViewTerm && v.viewId() <= lastViewId)) {
            return Result.refuse(ReasonCode.CONCURRENT_ADJUST, "view " + v.term() + "/" + v.viewId()
                    + " is not newer than " + lastViewTerm + "/" + lastViewId);
        }
        lastViewTerm = v.term();
        lastViewId = v.viewId();
        List<MembershipChange> changes = new ArrayList<>();
        for (NodeRecord n : nodes.values()) {
            if (v.uuids().contains(n.uuid)) {
                if (n.status == NodeStatus.PARTITIONED) {
                    n.status = NodeStatus.ACTIVE;
                }
            } else if (n.status == NodeStatus.ACTIVE) {
                n.status = NodeStatus.PARTITIONED;
                changes.addAll(removeMembersOf(n.name, Reason.FAILURE));
                dryRunCannotReach(n, rolloutStart());
            }
        }
        return Result.of(changes);
    }

    /** whether a view of these addresses would change any defined node's status */
    public boolean viewDiffers(Set<String> uuids) {
        for (NodeRecord n : nodes.values()) {
            boolean in = uuids.contains(n.uuid);
            if (in && n.status == NodeStatus.PARTITIONED || !in && n.status == NodeStatus.ACTIVE) {
                return true;
            }
        }
        return false;
    }

    public long viewTerm() {
        return lastViewTerm;
    }

    public void restoreViewTerm(long term) {
        lastViewTerm = term;
    }

    public Result removeNode(RemoveNode r) {
        String denied = acl.refusal(ClusterAcl.NODE_REMOVE, r.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        NodeRecord n = nodes.get(r.node());
        if (n == null) {
            return Result.refuse(ReasonCode.UNKNOWN_NODE, "no defined node is named " + r.node());
        }
        if (n.status == NodeStatus.ACTIVE) {
            return Result.refuse(ReasonCode.NODE_ACTIVE, "node " + r.node() + " is active; stop it first");
        }
        nodes.remove(r.node());
        if (rollout != null) {
            rollout.settle(nodes.keySet()); // a removed node no longer holds the upgrade up
        }
        return Result.of(removeMembersOf(r.node(), Reason.LEAVE));
    }

    /**
     * An operator's recovery of a cluster that lost its majority for good: only the new voters stay defined nodes
     * (the members of the others leave with FAILURE), and the history records who did it.
     */
    public Result majorityRecovered(MajorityRecovered m) {
        String denied = acl.refusal(ClusterAcl.MAJORITY_RECOVER, m.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        if (m.voters().isEmpty()) {
            return Result.refuse(ReasonCode.UNKNOWN_NODE, "a recovery that names no voter changes nothing");
        }
        List<MembershipChange> changes = new ArrayList<>();
        for (String name : new ArrayList<>(nodes.keySet())) {
            if (!m.voters().contains(name)) {
                nodes.remove(name);
                changes.addAll(removeMembersOf(name, Reason.FAILURE));
            }
        }
        history.record("recovery-" + m.requestedBy() + "-" + m.atMillis(), new AdjustRecord(
                Instant.ofEpochMilli(m.atMillis()), m.asker().describe(m.requestedBy()), List.of(), 0, 0, 0, null,
                "MAJORITY_RECOVERED: voters " + String.join(", ", m.voters())));
        return Result.of(changes);
    }

    /**
     * An operator's wish to make a learner a voter, checked against the ACL and recorded before the asking node
     * changes the log's voters (which the log's own membership change does, outside this state).
     */
    public Result addNode(AddNode a) {
        String denied = acl.refusal(ClusterAcl.NODE_ADD, a.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        NodeRecord n = nodes.get(a.node());
        if (n == null || n.status != NodeStatus.ACTIVE) {
            return Result.refuse(ReasonCode.UNKNOWN_NODE, "no running node named '" + a.node() + "' follows the"
                    + " cluster log; start it (it joins as a learner) and add it then");
        }
        history.record("node-add-" + a.requestedBy() + "-" + a.atMillis(), new AdjustRecord(
                Instant.ofEpochMilli(a.atMillis()), a.asker().describe(a.requestedBy()), List.of(), 0, 0, 0, null,
                "NODE_ADDED: " + a.node() + " votes in the cluster log"));
        return Result.NOTHING;
    }

    /** a change of the cluster's ACL, itself ruled by it (operation {@code acl-set}); the history records it */
    public Result setAcl(SetAcl a) {
        String denied = acl.refusal(ClusterAcl.ACL_SET, a.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        String invalid = ClusterAcl.invalid(a.operation(), a.roles());
        if (invalid != null) {
            return Result.refuse(ReasonCode.INVALID_ACL, invalid);
        }
        acl.set(a.operation(), a.roles());
        history.record("acl-" + a.requestedBy() + "-" + a.atMillis(), new AdjustRecord(
                Instant.ofEpochMilli(a.atMillis()), a.asker().describe(a.requestedBy()), List.of(), 0, 0, 0, null,
                "ACL_SET: " + a.operation() + " needs one of " + acl.rules().get(a.operation())));
        return Result.NOTHING;
    }

    /**
     * An operator revokes a node certificate (operation {@code cert-revoke}): from this entry on, entries and
     * unicasts signed with it are refused on every node; the history says who did it. Revoking one already revoked
     * changes nothing.
     */
    public Result revokeCertificate(RevokeCertificate r) {
        String denied = acl.refusal(ClusterAcl.CERT_REVOKE, r.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        if (!r.fingerprint().matches("[0-9a-f]{64}")) {
            return Result.refuse(ReasonCode.UNKNOWN_NODE, "a certificate is named by the SHA-256 of its DER"
                    + " encoding, 64 hex digits in lower case, not '" + r.fingerprint() + "'");
        }
        if (r.node().isBlank() || r.node().length() > 200 || !printable(r.node())) {
            return Result.refuse(ReasonCode.UNKNOWN_NODE, "a node name is 1 to 200 printable characters");
        }
        if (revoked.putIfAbsent(r.fingerprint(), r.node()) == null) {
            history.record("cert-revoke-" + r.requestedBy() + "-" + r.atMillis(), new AdjustRecord(
                    Instant.ofEpochMilli(r.atMillis()), r.asker().describe(r.requestedBy()), List.of(), 0, 0, 0, null,
                    "CERT_REVOKED: the certificate of " + r.node() + " with SHA-256 " + r.fingerprint()));
        }
        return Result.NOTHING;
    }

    /** the node a revoked certificate was issued to, or null when {@code fingerprint} is not revoked */
    public String revokedFrom(String fingerprint) {
        return revoked.get(fingerprint);
    }

    /** revoked certificates: fingerprint → node, sorted by fingerprint */
    public Map<String, String> revoked() {
        return Collections.unmodifiableMap(new TreeMap<>(revoked));
    }

    public boolean anyRevoked() {
        return !revoked.isEmpty();
    }

    /** an operator holds groups at their level or releases them (none named: every group); the history says who */
    public Result hold(Hold h) {
        String denied = acl.refusal(ClusterAcl.HOLD, h.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        List<GroupRecord> named = new ArrayList<>();
        for (String name : h.groups().isEmpty() ? groups.keySet() : h.groups()) {
            GroupRecord g = groupIndex.get(name);
            if (g == null) {
                return Result.refuse(ReasonCode.UNKNOWN_GROUP, "no group " + name);
            }
            named.add(g);
        }
        if (named.isEmpty()) {
            return Result.refuse(ReasonCode.UNKNOWN_GROUP, "there are no groups to hold");
        }
        named.forEach(g -> g.held = h.held());
        history.record("hold-" + h.requestedBy() + "-" + h.atMillis(), new AdjustRecord(
                Instant.ofEpochMilli(h.atMillis()), h.asker().describe(h.requestedBy()),
                named.stream().map(g -> g.name).toList(), 0, 0, 0, null, h.held() ? "HOLD" : "RELEASED"));
        return Result.NOTHING;
    }

    /**
     * An operator starts a cluster-wide upgrade of every defined node, in name order; refused while one runs. The
     * history records who started it.
     */
    public Result upgradeStart(UpgradeStart u) {
        String denied = acl.refusal(ClusterAcl.UPGRADE, u.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        if (rollout != null && rollout.state == UpgradeStatus.State.RUNNING) {
            return Result.refuse(ReasonCode.UPGRADE_IN_PROGRESS, "upgrade " + rollout.id + " to " + rollout.feature
                    + " runs: wait for it, or abort it (cluster:upgrade --abort)");
        }
        String why = featureRefusal(u.feature());
        if (why != null) {
            return Result.refuse(ReasonCode.UNKNOWN_FEATURE, why);
        }
        if (u.parallel() < 1 || u.parallel() > Rollout.MAX_PARALLEL) {
            return Result.refuse(ReasonCode.INVALID_LEVEL, "1 to " + Rollout.MAX_PARALLEL
                    + " nodes may install at once, not " + u.parallel());
        }
        if (!printable(u.id()) || u.id().isEmpty() || nodes.isEmpty()) {
            return Result.refuse(ReasonCode.UNKNOWN_NODE, "no upgrade without an id and defined nodes");
        }
        String karWhy = karRefusal(u);
        if (karWhy != null) {
            return Result.refuse(ReasonCode.UNKNOWN_FEATURE, karWhy);
        }
        rolloutKar = u.kar();
        List<String> order = List.copyOf(nodes.keySet());
        int parallel = u.dryRun() ? Math.min(order.size(), Rollout.MAX_PARALLEL) : u.parallel();
        rollout = new Rollout(u.id(), u.feature(), parallel, u.dryRun(), u.retire(),
                u.asker().describe(u.requestedBy()), u.atMillis(), order);
        history.record("upgrade-" + u.id(), new AdjustRecord(Instant.ofEpochMilli(u.atMillis()),
                rollout.startedBy, List.of(), 0, 0, 0, null, rollout.label() + (u.dryRun() ? "" : "_STARTED") + ": "
                + u.feature() + " on " + order));
        for (NodeRecord n : nodes.values()) {
            dryRunCannotReach(n, u.atMillis());
        }
        return Result.NOTHING;
    }

    /** entries without a time of their own (a goodbye, a view) mark a dry run's parts with its start */
    private long rolloutStart() {
        return rollout == null ? 0 : rollout.startedAtMillis;
    }

    /** a dry run's report names a node that is stopped or cut off instead of waiting for it */
    private void dryRunCannotReach(NodeRecord n, long atMillis) {
        if (rollout == null || n.status == NodeStatus.ACTIVE) {
            return;
        }
        UpgradeStatus.State before = rollout.state;
        rollout.unreachable(n.name, n.status == NodeStatus.INACTIVE
                ? "NODE_INACTIVE: " + n.name + " is stopped, so it simulates nothing; an upgrade would wait for it"
                : "GROUP_PARTITIONED: " + n.name + " is cut off from the majority, so it simulates nothing; an upgrade"
                        + " would wait for it", atMillis, nodes.keySet());
        recordEnd(before, atMillis);
    }

    /** a node reports its part of the running upgrade; when it ends, the history says how */
    public Result upgradeProgress(UpgradeProgress p) {
        if (rollout == null || !rollout.id.equals(p.id())) {
            return Result.refuse(ReasonCode.UPGRADE_IN_PROGRESS, "no upgrade " + p.id() + " to report on");
        }
        UpgradeStatus.Phase phase;
        try {
            phase = UpgradeStatus.Phase.valueOf(p.phase());
        } catch (IllegalArgumentException e) {
            return Result.refuse(ReasonCode.UPGRADE_IN_PROGRESS, "no upgrade phase " + p.phase());
        }
        UpgradeStatus.State before = rollout.state;
        String why = rollout.report(p.node(), phase, p.detail(), p.atMillis(), nodes.keySet());
        if (why != null) {
            return Result.refuse(ReasonCode.UPGRADE_IN_PROGRESS, why);
        }
        if (before == UpgradeStatus.State.RUNNING && rollout.state == UpgradeStatus.State.DONE && !rollout.dryRun) {
            if (rollout.retire) {
                clusterFeatures.remove(rollout.feature);
                clusterKars.remove(rollout.feature);
            } else {
                clusterFeatures.add(rollout.feature);
                if (rolloutKar != null) {
                    clusterKars.put(rollout.feature, rolloutKar);
                }
            }
        }
        recordEnd(before, p.atMillis());
        return Result.NOTHING;
    }

    /** the history's line when the rollout ended just now; a failure names the first node that failed, in order */
    private void recordEnd(UpgradeStatus.State before, long atMillis) {
        if (before == UpgradeStatus.State.RUNNING && rollout.state != before) {
            String detail = rollout.state == UpgradeStatus.State.FAILED
                    ? rollout.toStatus().nodes().stream().filter(n -> n.phase() == UpgradeStatus.Phase.FAILED)
                            .findFirst().map(n -> " on " + n.node() + ": " + n.detail()).orElse("") : "";
            history.record("upgrade-end-" + rollout.id, new AdjustRecord(Instant.ofEpochMilli(atMillis),
                    rollout.startedBy, List.of(), 0, 0, 0, null, rollout.label() + "_" + rollout.state + ": "
                    + rollout.feature + detail));
        }
    }

    /** an operator stops the running upgrade where it is */
    public Result upgradeAbort(UpgradeAbort a) {
        String denied = acl.refusal(ClusterAcl.UPGRADE, a.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        if (rollout == null || rollout.state != UpgradeStatus.State.RUNNING || !rollout.id.equals(a.id())) {
            return Result.refuse(ReasonCode.UPGRADE_IN_PROGRESS, "no upgrade " + a.id() + " runs");
        }
        rollout.abort(a.asker().describe(a.requestedBy()));
        history.record("upgrade-abort-" + rollout.id, new AdjustRecord(Instant.ofEpochMilli(a.atMillis()),
                rollout.endedBy, List.of(), 0, 0, 0, null, rollout.label() + "_ABORTED: " + rollout.feature));
        return Result.NOTHING;
    }

    /** why the KAR an upgrade brings cannot be taken (checked alike on every node), or null */
    private static String karRefusal(UpgradeStart u) {
        Kar kar = u.kar();
        if (kar == null) {
            return null;
        }
        if (u.retire()) {
            return "a retirement brings no KAR";
        }
        if (kar.bytes().length > MAX_KAR_BYTES) {
            return kar.name() + " has " + kar.bytes().length + " bytes; a KAR travels in one log entry of at most "
                    + MAX_KAR_BYTES + " bytes";
        }
        if (!printable(kar.name()) || !kar.sha256().equals(Kar.sha256Of(kar.bytes()))) {
            return "the bytes of " + kar.name() + " do not match the SHA-256 " + kar.sha256() + " they came with";
        }
        return null;
    }

    /**
     * The KAR a node takes {@code feature} from before it installs it: the running (or last) rollout's when it is
     * of that feature, else the one a finished upgrade brought it in; empty when the feature comes from system/
     */
    public Optional<Kar> karFor(String feature) {
        if (rollout != null && rollout.feature.equals(feature) && rolloutKar != null && !rollout.retire) {
            return Optional.of(rolloutKar);
        }
        return Optional.ofNullable(clusterKars.get(feature));
    }

    /** the features the finished upgrades put on every node and no retirement removed, by name/version */
    public SortedSet<String> clusterFeatures() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(clusterFeatures));
    }

    /** the running upgrade, or the last one */
    public Optional<UpgradeStatus> upgrade() {
        return Optional.ofNullable(rollout).map(Rollout::toStatus);
    }

    /** whether {@code node} may start its part of the running upgrade now */
    public boolean upgradeTurnOf(String node) {
        return rollout != null && rollout.turnOf(node, nodes.keySet());
    }

    /** a feature is {@code name/version}, both printable, nothing else */
    static String featureRefusal(String feature) {
        int slash = feature.indexOf('/');
        if (slash < 1 || slash == feature.length() - 1 || feature.indexOf('/', slash + 1) >= 0
                || !printable(feature) || feature.length() > 200 || feature.contains(" ")) {
            return "a feature is name/version (e.g. cutover-infra/2.0.0), not '" + feature + "'";
        }
        return null;
    }

    /** the cluster's ACL: operation → the roles that may run it */
    public Map<String, List<String>> acl() {
        return acl.rules();
    }

    /** why {@code asker} may not run {@code operation} by the cluster's ACL, or null if it may */
    public String aclRefusal(String operation, Asker asker) {
        return acl.refusal(operation, asker);
    }

    /**
     * A node of the pre-log format brings its adjust history: entries the history lacks (by request id) are
     * added into the room left of {@value AdjustHistory#MAX}, marked with that node, and the history is put in
     * time order; no record is dropped for them.
     */
    public Result importHistory(ImportHistory h) {
        try {
            history.importFrom(h.history(), h.node());
        } catch (IOException e) {
            return Result.refuse(ReasonCode.INVALID_LEVEL, "the history imported by " + h.node()
                    + " cannot be read: " + e.getMessage());
        }
        return Result.of(List.of());
    }

    public Result join(Join j) {
        if (!printable(j.group()) || !printable(j.member())) {
            return Result.refuse(ReasonCode.UNKNOWN_GROUP, "a join whose group or member name is not printable"
                    + " changes nothing");
        }
        NodeRecord node = nodes.get(j.node());
        if (node == null || node.levels.isEmpty()) {
            return Result.refuse(ReasonCode.NODE_INCAPABLE, "node " + j.node() + " runs no infrastructure level");
        }
        GroupRecord g = groupIndex.get(j.group());
        if (g == null) {
            int potential = potentialLevel();
            int level = potential > 0 ? potential : node.levels.first();
            g = new GroupRecord(j.group(), level, 1);
            putGroup(g);
        }
        if (!node.levels.contains(g.level)) {
            return Result.refuse(ReasonCode.NODE_INCAPABLE, "node " + j.node() + " runs levels " + node.levels
                    + " but group " + g.name + " is at level " + g.level);
        }
        g.put(j.member(), node.name); // one name per node: Switched.membersByNode compares by reference
        return Result.of(List.of(change(Reason.JOIN, g, List.of(new Member(j.node(), j.member())), j.node())));
    }

    public Result leave(Leave l) {
        GroupRecord g = groupIndex.get(l.group());
        if (g == null) {
            return Result.refuse(ReasonCode.UNKNOWN_GROUP, "no group " + l.group());
        }
        String node = g.remove(l.member());
        if (node == null) {
            return Result.of(List.of());
        }
        return Result.of(List.of(change(Reason.LEAVE, g, List.of(new Member(node, l.member())), node)));
    }

    /**
     * The ADJUST_VERSION membership change. The asker's checks run again here,
     * from nothing but the replicated state, so a split or a node change between
     * the check and this entry cannot switch anyone: every defined node active
     * and capable of the level, none partitioned. Then a compare-and-set on every
     * group's epoch: two racing adjusts cannot both win, and all replicas take the
     * same branch. Members whose node cannot run the new level leave the group.
     */
    public Result adjust(Adjust a) {
        String denied = acl.refusal(ClusterAcl.ADJUST, a.asker());
        if (denied != null) {
            return Result.refuse(ReasonCode.NOT_AUTHORIZED, denied);
        }
        if (history.applied(a.requestId())) {
            return Result.refuse(ReasonCode.CONCURRENT_ADJUST, "adjust " + a.requestId() + " was applied already");
        }
        if (a.toLevel() < 1) {
            return Result.refuse(ReasonCode.INVALID_LEVEL, "level " + a.toLevel() + " is not a level");
        }
        if (a.from().isEmpty()) {
            return Result.refuse(ReasonCode.UNKNOWN_GROUP, "the adjust names no group");
        }
        List<String> inactive = new ArrayList<>();
        List<String> partitioned = new ArrayList<>();
        List<String> incapable = new ArrayList<>();
        for (NodeRecord n : nodes.values()) {
            if (n.status == NodeStatus.INACTIVE) {
                inactive.add(n.name);
            } else if (n.status == NodeStatus.PARTITIONED) {
                partitioned.add(n.name);
            }
            if (!n.levels.contains(a.toLevel())) {
                incapable.add(n.name + " runs " + n.levels);
            }
        }
        if (!inactive.isEmpty()) {
            return Result.refuse(ReasonCode.NODE_INACTIVE, "when the adjust was applied, defined node(s) "
                    + String.join(", ", inactive) + " were not active");
        }
        if (!partitioned.isEmpty()) {
            return Result.refuse(ReasonCode.GROUP_PARTITIONED, "when the adjust was applied, defined node(s) "
                    + String.join(", ", partitioned) + " had vanished without leaving");
        }
        if (!incapable.isEmpty()) {
            return Result.refuse(ReasonCode.NODE_INCAPABLE, "when the adjust was applied, level " + a.toLevel()
                    + " could not run on " + String.join("; ", incapable));
        }
        GroupRecord[] switched = new GroupRecord[a.from().size()];
        for (int i = 0; i < switched.length; i++) {
            GroupVersion from = a.from().get(i);
            GroupRecord g = groupIndex.get(from.group());
            if (g == null) {
                return Result.refuse(ReasonCode.UNKNOWN_GROUP, "group " + from.group() + " no longer exists");
            }
            if (g.epoch != from.epoch()) {
                return Result.refuse(ReasonCode.CONCURRENT_ADJUST, "group " + g.name + " moved to epoch " + g.epoch
                        + " (level " + g.level + ") before this adjust, which expected epoch " + from.epoch());
            }
            switched[i] = g;
        }
        String automatic = automaticRefusal(a, switched);
        if (automatic != null) {
            return Result.refuse(ReasonCode.CONCURRENT_ADJUST, automatic);
        }
        // every defined node runs the new level (checked above), so no member has to leave: unlike a capability
        // change, an adjust drops no one
        List<MembershipChange> changes = new ArrayList<>(switched.length);
        Switched done = new Switched(switched.length);
        List<String> names = new ArrayList<>(switched.length);
        int lowest = Integer.MAX_VALUE;
        long highest = 0;
        for (int i = 0; i < switched.length; i++) {
            GroupRecord g = switched[i];
            if (g.epoch != a.from().get(i).epoch()) {
                done.repeated(); // named twice (no node of ours writes that): switched twice, as it always was
            }
            int fromLevel = g.level;
            g.level = a.toLevel();
            g.epoch++;
            if (a.toLevel() < fromLevel) {
                g.held = true; // a downgrade holds the group: no automatic adjust undoes it
            }
            changes.add(new MembershipChange(Reason.ADJUST_VERSION, g.name, List.of(), fromLevel, g.level, g.epoch,
                    a.requestedBy()));
            done.set(i, g.name, g.epoch, g.memberArray());
            names.add(g.name);
            lowest = Math.min(lowest, fromLevel);
            highest = Math.max(highest, g.epoch);
        }
        history.record(a.requestId(), new AdjustRecord(Instant.ofEpochMilli(a.sentAtMillis()), a.askedBy(),
                names, lowest, a.toLevel(), highest, null, "APPLIED"));
        return new Result(changes, null, null, done.epochs(), done);
    }

    /**
     * A node adjusts by itself only up, to the potential level, and never a held group: an operator's hold or
     * downgrade that came first in the log wins over an automatic adjust in flight. It reverts only down (and the
     * downgrade holds the group). Null when it may go on.
     */
    private String automaticRefusal(Adjust a, GroupRecord[] groups) {
        if (a.cause().isEmpty()) {
            return null;
        }
        if (a.cause().startsWith(Adjust.REVERT)) {
            for (GroupRecord g : groups) {
                if (a.toLevel() >= g.level) {
                    return "group " + g.name + " is at level " + g.level + ": a revert only goes down";
                }
            }
            return null;
        }
        if (!Adjust.AUTOMATIC.equals(a.cause())) {
            return "no node adjusts by itself for '" + a.cause() + "'";
        }
        if (a.toLevel() != potentialLevel()) {
            return "an automatic adjust goes to the potential level " + potentialLevel() + ", not " + a.toLevel();
        }
        for (GroupRecord g : groups) {
            if (g.held) {
                return "group " + g.name + " is held: no automatic adjust moves it";
            }
            if (g.level >= a.toLevel()) {
                return "group " + g.name + " is at level " + g.level + ": an automatic adjust only goes up";
            }
        }
        return null;
    }

    /** whether the adjust with this request id is in the history (a copy of it must change nothing) */
    public boolean applied(String requestId) {
        return history.applied(requestId);
    }

    /** how the adjust ended, as its asker reports it */
    public void adjustDone(AdjustDone d) {
        history.done(d.requestId(), Duration.ofNanos(d.durationMicros() * 1000), d.outcome());
    }

    /**
     * What an entry names and the levels it carries are checked where it is applied, so every replica refuses
     * the same entry: the API refuses such names already (Names), an entry that holds one was not written by it.
     */
    static boolean printable(String name) {
        return Names.firstUnprintable(name) < 0;
    }

    private static boolean levels(java.util.Collection<Integer> levels) {
        return levels.stream().allMatch(l -> l >= 1);
    }

    private List<MembershipChange> dropIncapable(GroupRecord g, int fromLevel, String cause) {
        List<MembershipChange> changes = new ArrayList<>();
        Map<String, List<Member>> gone = new HashMap<>();
        for (NodeRecord n : nodes.values()) {
            if (!n.levels.contains(g.level)) {
                List<Member> removed = g.removeMembersOf(n.name);
                if (!removed.isEmpty()) {
                    gone.put(n.name, removed);
                }
            }
        }
        gone.values().forEach(members -> changes.add(new MembershipChange(Reason.NODE_INCAPABLE, g.name, members,
                fromLevel, fromLevel, g.epoch, cause)));
        return changes;
    }

    private List<MembershipChange> removeMembersOf(String node, Reason reason) {
        List<MembershipChange> changes = new ArrayList<>();
        for (GroupRecord g : groups.values()) {
            List<Member> gone = g.removeMembersOf(node);
            if (!gone.isEmpty()) {
                changes.add(change(reason, g, gone, node));
            }
        }
        return changes;
    }

    private static MembershipChange change(Reason reason, GroupRecord g, List<Member> members, String node) {
        return new MembershipChange(reason, g.name, members, g.level, g.level, g.epoch, node);
    }

    // ---- serialization (snapshots for joiners, and the persisted file): StateCodec ----

    public void writeTo(DataOutput out) throws IOException {
        StateCodec.write(this, out);
    }

    public static ClusterState readFrom(DataInput in) throws IOException {
        return StateCodec.read(in);
    }

    /** the state file of the pre-log format, which kept no ACL: the defaults hold */
    public static ClusterState readLegacy(DataInput in) throws IOException {
        return StateCodec.readLegacy(in);
    }

    public void writeLegacyTo(DataOutput out) throws IOException {
        StateCodec.writeLegacy(this, out);
    }

    /** the history alone, in the snapshot's encoding: what a node of the pre-log format brings in */
    public byte[] historyBytes() {
        return history.bytes();
    }

    /** group names for checks, sorted */
    public SortedSet<String> groupNames() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(groups.keySet()));
    }

    /** a group by name, by hash */
    GroupRecord groupRecord(String name) {
        return groupIndex.get(name);
    }

    void putGroup(GroupRecord g) {
        groups.put(g.name, g);
        groupIndex.put(g.name, g);
    }
}
