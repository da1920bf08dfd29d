package org.cutover.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;

import org.cutover.core.internal.wire.Envelope.Leave;

/**
 * The leaves this node owes the log: a member it dropped by itself (it caught up from a snapshot, its listener
 * threw) is out locally at once, and its leave goes into the log until the replicated state no longer lists it.
 * Appended once and forgotten, a leave refused for want of a leader (a node that caught up from a snapshot while
 * the cluster elected again, seen in ChaosTest with seed 25955215055788) left the member in the state for good: a
 * member nobody runs, which every later join of the group asked for its state, so that no member of that node
 * could join again.
 */
final class OwedLeaves {

    /** between attempts: about an election and a commit */
    static final long RETRY_MILLIS = 500;

    private final Function<Leave, CompletableFuture<?>> append;
    /** whether the replicated state still lists the member */
    private final Predicate<Leave> stillListed;
    /** false once the node is closed */
    private final BooleanSupplier running;
    private final ScheduledExecutorService timer;

    OwedLeaves(Function<Leave, CompletableFuture<?>> append, Predicate<Leave> stillListed, BooleanSupplier running,
               ScheduledExecutorService timer) {
        this.append = append;
        this.stillListed = stillListed;
        this.running = running;
        this.timer = timer;
    }

    /** appends {@code leave}, again after a failure, until the state no longer lists its member */
    void owe(Leave leave) {
        if (!running.getAsBoolean() || !stillListed.test(leave)) {
            return;
        }
        CompletableFuture<?> f;
        try {
            f = append.apply(leave);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((r, failed) -> {
            // committed: the state drops it when applied; refused or lost: ask again while it is listed
            if (failed != null || stillListed.test(leave)) {
                later(leave);
            }
        });
    }

    private void later(Leave leave) {
        try {
            timer.schedule(() -> owe(leave), RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the node is closing: its members go with its goodbye
        }
    }
}
