package org.cutover.core.internal.jmx;

import java.util.List;

import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

import org.cutover.api.DefinedNode;
import org.cutover.api.NodeStatus;
import org.cutover.core.internal.ClusterNode;

/** {@link NodeMBean} over the running node. */
public final class NodeBean extends StandardMBean implements NodeMBean {

    private final ClusterNode node;

    public NodeBean(ClusterNode node) throws NotCompliantMBeanException {
        super(NodeMBean.class);
        this.node = node;
    }

    @Override
    public String getName() {
        return node.localNode();
    }

    @Override
    public String getStatus() {
        return node.definedNode(node.localNode()).map(DefinedNode::status).map(NodeStatus::name)
                .orElse("NOT_CONNECTED");
    }

    @Override
    public boolean isInPrimaryComponent() {
        return node.logStatus().inPrimaryComponent();
    }

    @Override
    public String[] getView() {
        return node.nodesInView().toArray(String[]::new);
    }

    @Override
    public String getLeader() {
        return node.logStatus().leader();
    }

    @Override
    public long getCommitIndex() {
        return node.logStatus().commitIndex();
    }

    @Override
    public long getAppliedIndex() {
        return node.logStatus().appliedIndex();
    }

    @Override
    public long getApplyLag() {
        return node.logStatus().applyLag();
    }

    @Override
    public int[] getLevels() {
        return node.infra().levels().stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String[] getDefinedNodes() {
        List<String> voters = node.voters();
        return node.definedNodes().stream().map(n -> n.name() + " " + n.status() + " levels " + n.levels()
                + (voters.contains(n.name()) ? " voter" : " learner")).toArray(String[]::new);
    }

    @Override
    public String[] getVoters() {
        return node.voters().toArray(String[]::new);
    }

    @Override
    public String[] getRevokedCertificates() {
        return node.revokedCertificates().entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .toArray(String[]::new);
    }
}
