package org.cutover.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One member's deliveries, in order, one at a time, run by the node's
 * {@link DeliveryScheduler}. A thread per member cost 5,866 threads in one
 * benchmark JVM (1,000 groups on 5 nodes) and a load average of 15 on 2 cores
 * at every adjust. A slow listener holds its own member and one runner, no
 * other member.
 *
 * <p>At most one runner has the member at a time ({@code scheduled}): the one
 * that runs its next task and then what is queued behind it.
 */
final class MemberQueue {

    private static final System.Logger LOG = System.getLogger(MemberQueue.class.getName());
    /** tasks run per turn before the member yields its runner to the others */
    static final int TURN = 64;

    private static final VarHandle SCHEDULED;
    private static final VarHandle QUEUED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SCHEDULED = lookup.findVarHandle(MemberQueue.class, "scheduled", boolean.class);
            QUEUED = lookup.findVarHandle(MemberQueue.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DeliveryScheduler scheduler;
    private final String name;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /*
     * Fields of this object, not an AtomicBoolean and the queue's own emptiness: the applier reads them for every
     * member an entry concerns, and each other object was one more cache line to fetch from the runners' core (an
     * adjust of 1,000 groups: the largest part of its dispatch on every node, JFR 2026-12-06).
     */
    private volatile boolean scheduled;
    /** tasks in {@code tasks}: counted before each is added, uncounted after it is taken */
    private volatile int queued;
    private volatile boolean closed;

    MemberQueue(DeliveryScheduler scheduler, String name) {
        this.scheduler = scheduler;
        this.name = name;
    }

    /** @return false if the queue is closed: the task will not run */
    boolean execute(Runnable task) {
        if (closed) {
            return false;
        }
        if (scheduler.holding() && SCHEDULED.compareAndSet(this, false, true)) {
            // idle (or its runner just let go): the task reaches a runner in the batch of the entry being applied,
            // not through this queue, unless tasks are still queued here, which run first. No runner takes from
            // the queue now, and the one that had the member uncounted what it took before it let go.
            if (queued == 0) {
                scheduler.hold(this, task);
            } else {
                enqueue(task);
                scheduler.hold(this, null);
            }
            return true;
        }
        enqueue(task);
        schedule();
        return true;
    }

    private void enqueue(Runnable task) {
        QUEUED.getAndAdd(this, 1);
        tasks.add(task);
    }

    /** what is queued still runs; nothing more is taken */
    void close() {
        closed = true;
    }

    private void schedule() {
        if (SCHEDULED.compareAndSet(this, false, true)) {
            scheduler.ready(this);
        }
    }

    /**
     * On a runner that has the member: {@code first} (its next task, from a batch; may be null), then what is
     * queued, up to {@link #TURN} tasks; then the member is ready again if more are queued.
     */
    void drain(Runnable first) {
        // the runner keeps its own name: renaming it per turn is two system calls (prctl) per member and turn,
        // 6,000 for one adjust of 1,000 groups on 3 nodes; a failing delivery's log line names the member
        try {
            int ran = 0;
            if (first != null) {
                run(first);
                ran++;
            }
            // the count first: it sits beside {@code scheduled}, the queue's nodes do not, and a member handed
            // its task in a batch has nothing queued
            for (; ran < TURN && queued > 0; ran++) {
                Runnable r = tasks.poll();
                if (r == null) {
                    break; // counted, not yet added: its adder schedules the member
                }
                QUEUED.getAndAdd(this, -1);
                run(r);
            }
        } finally {
            scheduled = false;
            // a task counted after this read is added, and its member scheduled, by its adder
            if (queued > 0 && !tasks.isEmpty()) {
                schedule();
            }
        }
    }

    private void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, name + ": a delivery failed", e);
        }
    }
}
