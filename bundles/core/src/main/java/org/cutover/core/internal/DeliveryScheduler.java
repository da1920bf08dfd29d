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
import java.util.concurrent.atomic.LongAdder;

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
    private final Queue<Batch> batches = new ConcurrentLinkedQueue<>();
    /** runners started and not yet ended */
    private final AtomicInteger runners = new AtomicInteger();
    /** runners looking for a member, or about to: not inside a run of members taken one after another */
    private final AtomicInteger free = new AtomicInteger();
    /**
     * members taken so far: a watch that sees it unchanged knows that every runner is stuck (an adder: the runners
     * take members side by side)
     */
    private final LongAdder taken = new LongAdder();
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

    /** the thread inside {@link #together}, whose members wait in {@code heldMembers} until it ends */
    private volatile Thread holder;
    private final List<MemberQueue> heldMembers = new ArrayList<>();
    private final List<Runnable> heldFirst = new ArrayList<>();

    /** the member has deliveries to run; it is not ready already (MemberQueue makes sure) */
    void ready(MemberQueue member) {
        ready.add(member);
        if (free.get() == 0) {
            more();
        }
    }

    /** whether this thread is inside {@link #together} */
    boolean holding() {
        return holder == Thread.currentThread();
    }

    /** inside {@link #together}: the member, which this thread has scheduled, and its next task (null: queued) */
    void hold(MemberQueue member, Runnable first) {
        heldMembers.add(member);
        heldFirst.add(first);
    }

    /**
     * Runs {@code queueing} (on one thread, the applier); the members it makes ready go to the runners at its
     * end, in one batch, with each member's first task beside it. Handing each member over through its own queue
     * and the ready queue while the runners took them out cost an adjust of 1,000 groups most of its dispatch on
     * every node (JFR: the queues' offers, cache lines moving between the cores).
     */
    void together(Runnable queueing) {
        if (holding()) {
            queueing.run(); // nested: the outer call hands them over
            return;
        }
        holder = Thread.currentThread();
        try {
            queueing.run();
        } finally {
            holder = null;
            if (!heldMembers.isEmpty()) {
                batches.add(new Batch(heldMembers.toArray(MemberQueue[]::new), heldFirst.toArray(Runnable[]::new)));
                heldMembers.clear();
                heldFirst.clear();
                if (free.get() == 0) {
                    more();
                }
            }
        }
    }

    /** members handed over together; runners take them one at a time, so a slow one holds up no other */
    private static final class Batch {
        final MemberQueue[] members;
        final Runnable[] first;
        final AtomicInteger next = new AtomicInteger();

        Batch(MemberQueue[] members, Runnable[] first) {
            this.members = members;
            this.first = first;
        }
    }

    private boolean hasWork() {
        return !ready.isEmpty() || !batches.isEmpty();
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
        long seen = taken.sum();
        try {
            timer.schedule(() -> {
                watching.set(false);
                if (!hasWork() || free.get() > 0) {
                    return;
                }
                if (taken.sum() == seen) {
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
        // free while looking; busy from the first member it takes until it finds none: counting it free between
        // two members was two atomic updates per member on a counter both runners write (an adjust of 1,000
        // groups hands each node 1,000 members in one batch)
        boolean busy = false;
        for (;;) {
            Runnable first = null;
            MemberQueue member = null;
            for (Batch b = batches.peek(); b != null && member == null; b = batches.peek()) {
                int i = b.next.getAndIncrement();
                if (i + 1 >= b.members.length) {
                    batches.remove(b); // taken to the end
                }
                if (i < b.members.length) {
                    member = b.members[i];
                    first = b.first[i];
                }
            }
            if (member == null) {
                member = ready.poll();
            }
            if (member == null) {
                if (!busy) {
                    free.decrementAndGet();
                }
                busy = false;
                runners.decrementAndGet();
                // a member made ready after the poll saw this runner free and started nobody: stay for it
                if (!hasWork()) {
                    return;
                }
                runners.incrementAndGet();
                free.incrementAndGet();
                continue;
            }
            taken.increment();
            if (!busy) {
                busy = true;
                if (free.decrementAndGet() == 0 && hasWork()) {
                    more();
                }
            }
            try {
                member.drain(first);
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "a member's deliveries failed", e);
            }
        }
    }
}
