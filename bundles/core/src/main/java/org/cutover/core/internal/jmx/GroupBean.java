package org.cutover.core.internal.jmx;

import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

import org.cutover.api.GroupInfo;
import org.cutover.core.internal.ClusterNode;

/** {@link GroupMBean} of one group, read from the replicated state at each call. */
public final class GroupBean extends StandardMBean implements GroupMBean {

    private final ClusterNode node;
    private final String name;

    public GroupBean(ClusterNode node, String name) throws NotCompliantMBeanException {
        super(GroupMBean.class);
        this.node = node;
        this.name = name;
    }

    private GroupInfo info() {
        return node.group(name).orElseThrow(() -> new IllegalStateException("group " + name + " no longer exists"));
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getLevel() {
        return info().level();
    }

    @Override
    public int getPotentialLevel() {
        return info().potentialLevel();
    }

    @Override
    public long getEpoch() {
        return info().epoch();
    }

    @Override
    public String[] getMembers() {
        return info().members().stream().map(m -> m.node() + "/" + m.id()).toArray(String[]::new);
    }
}
