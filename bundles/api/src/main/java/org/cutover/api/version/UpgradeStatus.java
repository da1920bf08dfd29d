package org.cutover.api.version;

import java.time.Instant;
import java.util.List;

/**
 * A cluster-wide upgrade as the log has it.
 *
 * @param id        unique id of this upgrade
 * @param feature   {@code name/version}
 * @param dryRun    the nodes only simulate the install
 * @param retire    the nodes uninstall the feature rather than install it
 * @param parallel  how many nodes may install at once
 * @param startedBy who asked ({@code user@node})
 * @param startedAt when it was asked
 * @param state     where it stands
 * @param nodes     every defined node at the start, in the order they install
 * @param endedBy   who aborted it, or the empty string
 */
public record UpgradeStatus(String id, String feature, boolean dryRun, boolean retire, int parallel,
                            String startedBy,
                            Instant startedAt, State state, List<NodeProgress> nodes, String endedBy) {

    public UpgradeStatus {
        nodes = List.copyOf(nodes);
    }

    public enum State {
        /** nodes are still to install (or simulate) */
        RUNNING,
        /** every node installed (or simulated) it */
        DONE,
        /** a node failed; the nodes after it did not start */
        FAILED,
        /** an operator stopped it */
        ABORTED
    }

    /** one node's part */
    public record NodeProgress(String node, Phase phase, String detail, Instant at) {
    }

    public enum Phase {
        /** its turn has not come */
        WAITING,
        /** it is installing (or simulating) now */
        INSTALLING,
        /** it installed (or retired) the feature and announced the levels it now runs */
        CAPABLE,
        /** a dry run: the install would succeed (detail: what it would do) */
        SIMULATED,
        /** the install (or its simulation) failed: detail says why */
        FAILED
    }

    public boolean finished() {
        return state != State.RUNNING;
    }
}
