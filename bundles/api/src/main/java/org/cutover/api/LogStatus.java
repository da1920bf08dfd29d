package org.cutover.api;

/**
 * This node's view of the cluster log.
 *
 * @param inPrimaryComponent whether this node sees a leader of the log, i.e. its side of the network holds a
 *                           majority of the voters and can commit
 * @param leader             the leader's node name, empty if none
 * @param commitIndex        the last log index this node knows committed
 * @param appliedIndex       the last log index this node has applied; below {@code commitIndex} while it catches up
 */
public record LogStatus(boolean inPrimaryComponent, String leader, long commitIndex, long appliedIndex) {

    /** committed entries this node has not applied yet */
    public long applyLag() {
        return Math.max(0, commitIndex - appliedIndex);
    }
}
