package org.cutover.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the members whose deliveries are ready ({@link MemberQueue}) on a few
 * runner threads that go from one member to the next.
 *
 * <p>Handing each ready member to a pool thread of its own cost a thread
 * hand-off per member: an adjust of 1,000 groups woke 1,000 threads on every
 * node, most of that adjust's time on 2 cores (JFR: the pool's hand-off, unpark
 * and thread start under {@code LocalMembers.dispatch}). Here up to
 * {@code parallelism} runners start as members become ready; each takes ready
 * members in turn until none is left. A slow listener still holds only its own
 * member: when every runner is inside a listener and a ready member has not
 * been taken for {@link #STUCK_NANOS}, one more runner starts.
 */
final class DeliveryScheduler {

    private static final System.Logger LOG = System.getLogger(DeliveryScheduler.class.getName());
    /** how long a ready member waits behind runners that are all busy before another runner starts */
    static final long STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Executor threads;
    private final ScheduledExecutorService timer;
    private final int parallelism;
    private final Queue<MemberQueue> ready = new ConcurrentLinkedQueue<>();
    /** runners started and not yet ended */
    private final AtomicInteger runners = new AtomicInteger();
    /** runners not inside a member's deliveries: looking for one, or about to */
    private final AtomicInteger free = new AtomicInteger();
    /** members taken so far: a watch that sees it unchanged knows that every runner is stuck */
    private final AtomicLong taken = new AtomicLong();
    private final AtomicBoolean watching = new AtomicBoolean();

    /**
     * @param threads where runners run (a pool that starts a thread when none is idle)
     * @param timer for the watch on busy runners
     * @param parallelism how many runners start without waiting (the cores)
     */
    DeliveryScheduler(Executor threads, ScheduledExecutorService timer, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism " + parallelism);
        }
        this.threads = threads;
        this.timer = timer;
        this.parallelism = parallelism;
    }

    /** the thread inside {@link #together}, whose ready members wait in {@link #held} until it ends */
    private volatile Thread holder;
    private final List<MemberQueue> held = new ArrayList<>();

    /** the member has deliveries to run; it is not ready already (MemberQueue makes sure) */
    void ready(MemberQueue member) {
        if (holder == Thread.currentThread()) {
            held.add(member);
            return;
        }
        ready.add(member);
        if (free.get() == 0) {
            more();
        }
    }

    /**
     * Runs {@code queueing} (on one thread, the applier); the members it makes ready are handed to the runners
     * at its end, in one step, in the order they became ready. Not nested.
     */
    void together(Runnable queueing) {
        holder = Thread.currentThread();
        try {
            queueing.run();
        } finally {
            holder = null;
            if (!held.isEmpty()) {
                ready.addAll(held);
                held.clear();
                if (free.get() == 0) {
                    more();
                }
            }
        }
    }

    /** no runner is free and a member may be waiting: another runner, or a watch once there are enough */
    private void more() {
        if (runners.get() < parallelism) {
            start();
        } else {
            watch();
        }
    }

    private void start() {
        runners.incrementAndGet();
        free.incrementAndGet();
        try {
            threads.execute(this::run);
        } catch (RejectedExecutionException closed) {
            free.decrementAndGet();
            runners.decrementAndGet();
        }
    }

    private void watch() {
        if (!watching.compareAndSet(false, true)) {
            return;
        }
        long seen = taken.get();
        try {
            timer.schedule(() -> {
                watching.set(false);
                if (ready.isEmpty() || free.get() > 0) {
                    return;
                }
                if (taken.get() == seen) {
                    start(); // every runner has been inside a listener for the whole watch
                } else {
                    watch();
                }
            }, STUCK_NANOS, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            watching.set(false);
        }
    }

    private void run() {
        for (;;) {
            MemberQueue member = ready.poll();
            if (member == null) {
                free.decrementAndGet();
                runners.decrementAndGet();
                // a member made ready after the poll saw this runner free and started nobody: stay for it
                if (ready.isEmpty()) {
                    return;
                }
                runners.incrementAndGet();
                free.incrementAndGet();
                continue;
            }
            taken.incrementAndGet();
            if (free.decrementAndGet() == 0 && !ready.isEmpty()) {
                more();
            }
            try {
                member.drain();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "a member's deliveries failed", e);
            } finally {
                free.incrementAndGet();
            }
        }
    }
}
