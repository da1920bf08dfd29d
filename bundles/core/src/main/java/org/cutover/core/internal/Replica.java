package org.cutover.core.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import org.cutover.core.internal.state.ClusterState;

/**
 * This node's copy of what the cluster log decides, and the monitor that
 * guards it: the cluster state, the position of the last applied envelope in
 * the log's stream (the same number on every node), and which entries of each
 * author are applied. Only the log's applier thread changes it, always holding
 * the monitor; anyone reads it holding the monitor.
 */
final class Replica {

    /** guarded by this */
    ClusterState state = new ClusterState();
    /** guarded by this */
    long position;
    /** guarded by this */
    AuthorSessions authors = new AuthorSessions();
    /** guarded by this */
    AuthorKeys keys = new AuthorKeys();

    synchronized <T> T read(Function<ClusterState, T> query) {
        return query.apply(state);
    }

    /** the applier calls it after every change, holding the monitor */
    void changed() {
        notifyAll();
    }

    /**
     * Waits until the state satisfies {@code holds}, at most {@code timeout}.
     *
     * @return false if it still does not when the time is up
     */
    synchronized boolean await(Predicate<ClusterState> holds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!holds.test(state)) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /**
     * Why what is signed with {@code chain} is refused because its certificate was revoked, or null; the caller
     * holds the monitor. Decided by the replicated state alone, so alike on every node at the same position.
     */
    String revocation(List<byte[]> chain) {
        if (chain.isEmpty() || !state.anyRevoked()) {
            return null;
        }
        String fingerprint = org.cutover.core.internal.tls.EntryVerifier.fingerprint(List.of(chain.get(0)));
        String node = state.revokedFrom(fingerprint);
        return node == null ? null : "the certificate of " + node + " (SHA-256 " + fingerprint + ") is revoked";
    }

    /** back to a node that has applied nothing: RAFT replays the log into it again */
    synchronized void reset() {
        state = new ClusterState();
        position = 0;
        authors = new AuthorSessions();
        keys = new AuthorKeys();
        changed();
    }

    /** a snapshot: position, view term, author sessions, author keys, then the state */
    synchronized void writeTo(DataOutput out) throws IOException {
        out.writeLong(position);
        out.writeLong(state.viewTerm());
        authors.writeTo(out);
        keys.writeTo(out);
        state.writeTo(out);
    }

    /** replaces everything with a snapshot's content; the caller holds the monitor */
    void readFrom(DataInput in) throws IOException {
        long pos = in.readLong();
        long term = in.readLong();
        AuthorSessions a = AuthorSessions.readFrom(in);
        AuthorKeys k = AuthorKeys.readFrom(in);
        ClusterState s = ClusterState.readFrom(in);
        s.restoreViewTerm(term);
        state = s;
        position = pos;
        authors = a;
        keys = k;
        changed();
    }
}
