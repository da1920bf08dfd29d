package org.cutover.core.internal;

import java.util.concurrent.atomic.AtomicBoolean;

import org.jgroups.protocols.raft.RAFT;

/**
 * When the cluster log is cut into a snapshot. RAFT 1.1.4 cuts it by itself
 * when it passes {@code max_log_size}, at its commit index; a follower that
 * is behind that point then gets the snapshot instead of the entries, and its
 * members, which missed messages, must leave. Under a throughput benchmark
 * (3 nodes, 1 KB messages, 64 MB log) two of three members left that way
 * within a minute. So RAFT's own limit is set {@value #HARD_FACTOR} times
 * higher, and every node asks for a snapshot on its tick once its log passes
 * the compaction size: a follower cuts its own log (no one reads it while it
 * follows); on the leader {@code CheckedRAFT} takes it only when every
 * follower in its view has everything committed (a follower out of view has
 * already lost its members to the view change). Under a steady stream the
 * leader rarely finds such a moment, and RAFT's own limit applies.
 */
final class LogCompaction {

    /** RAFT's own limit, as a multiple of the compaction size: the bound on disk when a follower lags for good */
    static final int HARD_FACTOR = 16;

    private final RAFT raft;
    private final long compactBytes;
    private final AtomicBoolean running = new AtomicBoolean();

    LogCompaction(RAFT raft, long compactBytes) {
        this.raft = raft;
        this.compactBytes = compactBytes;
        raft.maxLogSize(Math.multiplyExact(compactBytes, (long) HARD_FACTOR));
    }

    /** on the node's tick: asks for a snapshot if one is due */
    void maybeCompact() {
        if (raft.logSizeInBytes() >= compactBytes && running.compareAndSet(false, true)) {
            raft.snapshotAsync().whenComplete((v, e) -> running.set(false));
        }
    }
}
