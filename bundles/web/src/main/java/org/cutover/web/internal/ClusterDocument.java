package org.cutover.web.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.LogStatus;
import org.cutover.api.Member;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.VersionService;

/**
 * What the page shows, as this node sees it: the log, the defined nodes, the groups with their levels and holds,
 * the newest adjusts, the revoked node certificates, the running or last cluster-wide upgrade and this node's health
 * checks. The same for every login: what a user may do is in the
 * session's document, not here, so one document serves every open page.
 */
final class ClusterDocument {

    /** adjusts the page lists, newest first */
    static final int HISTORY = 25;

    private ClusterDocument() {
    }

    static Map<String, Object> build(ClusterService cluster, GroupService groups, VersionService versions,
                                     UpgradeService upgrades, List<Map<String, Object>> health) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("node", cluster.localNode());
        LogStatus log = cluster.logStatus();
        Map<String, Object> logDoc = new LinkedHashMap<>();
        logDoc.put("primary", log.inPrimaryComponent());
        logDoc.put("leader", log.leader() == null ? "" : log.leader());
        logDoc.put("commit", log.commitIndex());
        logDoc.put("applied", log.appliedIndex());
        logDoc.put("lag", log.applyLag());
        doc.put("log", logDoc);

        Set<String> voters = Set.copyOf(cluster.voters());
        List<Object> nodes = new ArrayList<>();
        for (DefinedNode n : cluster.definedNodes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", n.name());
            m.put("status", n.status().name());
            m.put("levels", List.copyOf(n.levels()));
            m.put("address", n.address() == null ? "" : n.address());
            m.put("voter", voters.contains(n.name()));
            nodes.add(m);
        }
        doc.put("nodes", nodes);

        List<Object> groupDocs = new ArrayList<>();
        for (GroupInfo g : groups.groups()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("level", g.level());
            m.put("potential", g.potentialLevel());
            m.put("epoch", g.epoch());
            m.put("held", g.held());
            m.put("members", g.members().stream().map(Member::id).sorted().toList());
            groupDocs.add(m);
        }
        doc.put("groups", groupDocs);

        List<AdjustRecord> all = versions.history(Optional.empty());
        List<Object> history = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && history.size() < HISTORY; i--) {
            AdjustRecord r = all.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("when", r.when() == null ? "" : r.when().toString());
            m.put("by", r.requestedBy());
            m.put("groups", r.groups());
            m.put("from", r.fromLevel());
            m.put("to", r.toLevel());
            m.put("epoch", r.epoch());
            m.put("millis", r.duration() == null ? null : r.duration().toNanos() / 1e6);
            m.put("outcome", r.outcome());
            history.add(m);
        }
        doc.put("history", history);
        List<Object> revoked = new ArrayList<>();
        for (Map.Entry<String, String> r : cluster.revokedCertificates().entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", r.getValue());
            m.put("fingerprint", r.getKey());
            revoked.add(m);
        }
        doc.put("revoked", revoked);
        doc.put("upgrade", upgrades.status().map(ClusterDocument::upgrade).orElse(null));
        doc.put("health", health);
        return doc;
    }

    private static Map<String, Object> upgrade(UpgradeStatus u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("feature", u.feature());
        m.put("dryRun", u.dryRun());
        m.put("retire", u.retire());
        m.put("parallel", u.parallel());
        m.put("by", u.startedBy());
        m.put("at", u.startedAt().toString());
        m.put("state", u.state().name());
        m.put("endedBy", u.endedBy());
        List<Object> nodes = new ArrayList<>();
        for (UpgradeStatus.NodeProgress p : u.nodes()) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("node", p.node());
            n.put("phase", p.phase().name());
            n.put("detail", p.detail());
            n.put("at", p.at().toString());
            nodes.add(n);
        }
        m.put("nodes", nodes);
        return m;
    }
}
