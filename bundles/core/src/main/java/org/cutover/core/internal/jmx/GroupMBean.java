package org.cutover.core.internal.jmx;

/** {@code org.cutover:type=Group,name=GROUP}: one group, read-only. */
public interface GroupMBean {

    String getName();

    int getLevel();

    /** the highest level every defined node can run */
    int getPotentialLevel();

    long getEpoch();

    /** node/member of each member */
    String[] getMembers();
}
