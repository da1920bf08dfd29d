package org.cutover.core.internal.jmx;

import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

import org.cutover.api.GroupInfo;
import org.cutover.core.internal.ClusterNode;

/** {@link GroupMBean} of one group, read from the replicated state at each call. */
public final class GroupBean extends StandardMBean implements GroupMBean {

    private final ClusterNode node;
    private final String name;
    /** the last sample: nanoTime, messages, bytes; and the rates between the last two */
    private long sampledAt;
    private long sampledMessages;
    private long sampledBytes;
    private volatile double messagesPerSecond;
    private volatile double bytesPerSecond;

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
    public boolean isHeld() {
        return info().held();
    }

    @Override
    public String[] getMembers() {
        return info().members().stream().map(m -> m.node() + "/" + m.id()).toArray(String[]::new);
    }

    @Override
    public long getMessages() {
        return node.groupTraffic(name)[0];
    }

    @Override
    public long getBytes() {
        return node.groupTraffic(name)[1];
    }

    @Override
    public double getMessagesPerSecond() {
        return messagesPerSecond;
    }

    @Override
    public double getBytesPerSecond() {
        return bytesPerSecond;
    }

    /** takes a sample at {@code nanos}: the rates become those since the last one (called by one thread) */
    void sample(long nanos) {
        long[] t = node.groupTraffic(name);
        if (sampledAt != 0 && nanos > sampledAt) {
            double seconds = (nanos - sampledAt) / 1e9;
            messagesPerSecond = (t[0] - sampledMessages) / seconds;
            bytesPerSecond = (t[1] - sampledBytes) / seconds;
        }
        sampledAt = nanos;
        sampledMessages = t[0];
        sampledBytes = t[1];
    }
}
