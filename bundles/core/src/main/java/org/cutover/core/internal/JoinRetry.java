package org.cutover.core.internal;

import java.time.Duration;

/**
 * Whether a node whose connect the stack refused tries again. raft.NO_DUPES refuses a JOIN_REQ from a node the
 * view already holds: its previous run (killed a moment ago) until failure detection excludes it, or this run
 * itself when the coordinator answered the first JOIN_REQ after the joiner's {@code join_timeout} and the joiner
 * asked again. Both pass once the stale member is excluded, so such a refusal is tried again for the whole
 * timeout after the first one, not only until the timeout from the start: on a loaded 2-core machine booting five
 * Karaf nodes, building the stack and two JOIN time-outs took the 10 s before the refusal came, and the node gave
 * up for good (NetworkChaosProcessIT, CI 2026-12-07: its cluster commands never appeared).
 */
final class JoinRetry {

    private final long timeoutNanos;
    private long deadline;
    private boolean refused;

    JoinRetry(Duration timeout, long nowNanos) {
        this.timeoutNanos = timeout.toNanos();
        this.deadline = nowNanos + timeoutNanos;
    }

    /** whether to connect again after the stack refused with {@code why} (null if it gave none) at {@code nowNanos} */
    boolean again(String why, long nowNanos) {
        if (why == null || !why.contains("duplicate members")) {
            return false;
        }
        if (!refused) {
            refused = true;
            deadline = Math.max(deadline, nowNanos + timeoutNanos);
        }
        return nowNanos - deadline <= 0;
    }
}
