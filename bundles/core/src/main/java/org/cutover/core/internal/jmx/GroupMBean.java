package org.cutover.core.internal.jmx;

/** {@code org.cutover:type=Group,name=GROUP}: one group, read-only. */
public interface GroupMBean {

    String getName();

    int getLevel();

    /** the highest level every defined node can run */
    int getPotentialLevel();

    long getEpoch();

    /** held at its level: no automatic adjust moves it */
    boolean isHeld();

    /** node/member of each member */
    String[] getMembers();

    /** the group's messages in the cluster log so far (every node counts the same) */
    long getMessages();

    /** their payload bytes, as their level encodes them */
    long getBytes();

    /** over the last second, sampled every second */
    double getMessagesPerSecond();

    double getBytesPerSecond();
}
