package org.cutover.health.internal;

import java.util.List;
import java.util.Optional;

import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.Member;
import org.cutover.api.NodeStatus;

/**
 * One group's own check, tagged {@code cutover-group:NAME}: the group exists, and the node of every member is
 * active. An application adds its own checks of a group by giving them the same tag; {@code cluster:health
 * --tag cutover-group:NAME} runs them all.
 */
final class GroupCheck implements HealthCheck {

    static final String TAG_PREFIX = "cutover-group:";

    private final String group;
    private final GroupService groups;
    private final ClusterService cluster;

    GroupCheck(String group, GroupService groups, ClusterService cluster) {
        this.group = group;
        this.groups = groups;
        this.cluster = cluster;
    }

    @Override
    public Result execute() {
        FormattingResultLog log = new FormattingResultLog();
        Optional<GroupInfo> info = groups.group(group);
        if (info.isEmpty()) {
            log.critical("group {} does not exist", group);
            return new Result(log);
        }
        GroupInfo g = info.get();
        List<String> away = g.members().stream().map(Member::node).distinct()
                .filter(n -> cluster.definedNode(n).map(DefinedNode::status).orElse(NodeStatus.INACTIVE)
                        != NodeStatus.ACTIVE)
                .toList();
        if (!away.isEmpty()) {
            log.critical("group {}: the node(s) {} of its members are not active as seen from {}", group, away,
                    cluster.localNode());
        } else {
            log.info("group {} at level {} (epoch {}), {} members, every node of theirs active", group, g.level(),
                    g.epoch(), g.members().size());
        }
        return new Result(log);
    }
}
