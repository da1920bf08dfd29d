package org.cutover.core.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;

/**
 * A caller's way into the log: its append waits a bounded time for a leader,
 * and its wait for the result turns every failure into a
 * {@link GroupException} that names the step.
 */
final class CallerAppends {

    /** how long a caller's send, join or leave waits for a leader before it fails with GROUP_PARTITIONED */
    static final long LEADER_WAIT_MILLIS = 2000;

    private final Duration timeout;
    private final Supplier<LogLink> log;
    /** false before the channel is connected and once the node is closed: no leader is awaited then */
    private final BooleanSupplier connected;
    /** whether this node's view holds a majority of the log's voters, i.e. whether an election can succeed here */
    private final BooleanSupplier viewHoldsMajority;

    CallerAppends(Duration timeout, Supplier<LogLink> log, BooleanSupplier connected,
                  BooleanSupplier viewHoldsMajority) {
        this.timeout = timeout;
        this.log = log;
        this.connected = connected;
        this.viewHoldsMajority = viewHoldsMajority;
    }

    /**
     * For a caller that waits anyway: a leader change does not fail the call. Without a leader it fails with
     * GROUP_PARTITIONED after {@value #LEADER_WAIT_MILLIS} ms when this node's view holds no majority of the log's
     * voters (no election can succeed here), and after the operation timeout when it does (an election is due, and
     * took over 2 s on a loaded 2-core machine). Never from the applier thread.
     */
    CompletableFuture<ClusterState.Result> append(Envelope e) {
        awaitLeader();
        return log.get().append(e);
    }

    /**
     * as {@link #append}, for group data its sender does not wait for ({@link LogLink#appendStreamed}), the future
     * completed through {@code completer}
     */
    CompletableFuture<ClusterState.Result> appendStreamed(Envelope.GroupData e, Executor completer) {
        awaitLeader();
        return log.get().appendStreamed(e, completer);
    }

    private void awaitLeader() {
        long start = System.nanoTime();
        long minorityDeadline = start + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        long majorityDeadline = start + timeout.toNanos();
        while (!log.get().hasLeader() && connected.getAsBoolean()) {
            long now = System.nanoTime();
            if (now >= majorityDeadline || (now >= minorityDeadline && !viewHoldsMajority.getAsBoolean())) {
                break;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /** appends and waits until this node has applied the envelope; {@code what} names the step in a failure */
    ClusterState.Result appendAndWait(Envelope e, String what) {
        long start = System.nanoTime();
        return await(append(e), what, start);
    }

    /**
     * Waits for what a call started at {@code startNanos} appended: the wait for a leader and this one together
     * take at most the operation timeout and one second, whatever either took (ChaosTest counted a send that
     * waited for a leader and then the whole timeout again as stalled).
     */
    <T> T await(CompletableFuture<T> f, String what, long startNanos) {
        long left = startNanos + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1) - System.nanoTime();
        try {
            return f.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " was not applied within "
                    + timeout.toSeconds() + " s; it may still be");
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof GroupException g) {
                throw new GroupException(g.code(), what + ": " + g.getMessage());
            }
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " failed: " + ex.getCause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " was interrupted");
        }
    }
}
