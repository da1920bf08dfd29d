package org.cutover.core.internal;

import java.util.concurrent.atomic.AtomicBoolean;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.raft.util.CommitTable;

/**
 * When the cluster log is cut into a snapshot. RAFT 1.1.4 cuts it by itself
 * when it passes {@code max_log_size}, at its commit index; a follower that
 * is behind that point then gets the snapshot instead of the entries, and its
 * members, which missed messages, must leave. Under a throughput benchmark
 * (3 nodes, 1 KB messages, 64 MB log) two of three members left that way
 * within a minute. So RAFT's own limit is set {@value #HARD_FACTOR} times
 * higher, and every node checks on its tick: a follower cuts its own log (no
 * one reads it while it follows); the leader cuts only when every follower in
 * its view has everything it has committed. A follower out of view has
 * already lost its members to the view change. Under a steady stream the
 * leader finds no such moment, and RAFT's own limit applies.
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

    /** on the node's tick: starts a snapshot if one is due and harmless */
    void maybeCompact(View view) {
        if (raft.logSizeInBytes() < compactBytes || !running.compareAndSet(false, true)) {
            return;
        }
        if (raft.isLeader() && !everyFollowerInViewHasAll(view)) {
            running.set(false);
            return;
        }
        raft.snapshotAsync().whenComplete((v, e) -> running.set(false));
    }

    private boolean everyFollowerInViewHasAll(View view) {
        CommitTable table = raft.commitTable();
        if (table == null || view == null) {
            return false;
        }
        // RAFT cuts at its commit index when it runs the snapshot, a moment after this check: under a steady
        // stream this rarely holds, and the log grows towards RAFT's own limit
        long commit = raft.commitIndex();
        for (Address a : table.keys()) {
            CommitTable.Entry e = table.get(a);
            if (view.containsMember(a) && e != null && e.matchIndex() < commit) {
                return false;
            }
        }
        return true;
    }
}
