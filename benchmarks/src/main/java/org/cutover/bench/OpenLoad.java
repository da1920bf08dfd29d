package org.cutover.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.cutover.api.Group;

/**
 * Open-loop group traffic: each group sends {@code sendAsync} at a fixed rate from a thread of its own, on
 * schedule whatever the replies do (a closed loop would slow down with the system and hide its pauses). Counts
 * the acknowledged and failed sends and the longest time without an acknowledgement.
 */
final class OpenLoad {
    private final List<Group> groups;
    private final byte[] payload;
    private final double perGroupPerSecond;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong behind = new AtomicLong();
    private final AtomicLong lastAck = new AtomicLong(System.nanoTime());
    final AtomicLong sent = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** the longest time without an acknowledgement, and when it ended (nanoTime) */
    final AtomicLong longestGap = new AtomicLong();
    final AtomicLong gapEnded = new AtomicLong();
    private volatile boolean running = true;
    /** sendAsync until its future completed (applied on the sender's node), in buckets of {@link #BUCKET_NANOS} */
    private final AtomicLongArray acks = new AtomicLongArray(BUCKETS + 1);
    private static final long BUCKET_NANOS = 20_000;
    private static final int BUCKETS = 10_000; // up to 200 ms; the last bucket counts every longer one

    OpenLoad(List<Group> groups, byte[] payload, double perGroupPerSecond) {
        this.groups = groups;
        this.payload = payload;
        this.perGroupPerSecond = perGroupPerSecond;
    }

    OpenLoad start() {
        lastAck.set(System.nanoTime());
        for (Group g : groups) {
            Thread t = new Thread(() -> send(g), "open-load-" + g.self());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    private void send(Group g) {
        long start = System.nanoTime();
        long n = 0;
        while (running) {
            long due = (long) ((System.nanoTime() - start) / 1e9 * perGroupPerSecond);
            for (; n < due && running; n++) {
                long queued = System.nanoTime();
                g.sendAsync(payload).whenComplete((v, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                        long now = System.nanoTime();
                        acks.incrementAndGet((int) Math.min(BUCKETS, (now - queued) / BUCKET_NANOS));
                        long gap = now - lastAck.getAndSet(now);
                        if (gap > longestGap.get()) {
                            longestGap.set(gap);
                            gapEnded.set(now);
                        }
                    } else if (failed.incrementAndGet() == 1) {
                        System.out.println("  first failed send: " + e);
                    }
                });
                sent.incrementAndGet();
            }
            LockSupport.parkNanos(200_000);
        }
        long due = (long) ((System.nanoTime() - start) / 1e9 * perGroupPerSecond);
        behind.addAndGet(Math.max(0, due - n));
    }

    /** forgets the acknowledgement times so far: {@link #ackMillis} counts from here */
    void resetAckTimes() {
        for (int i = 0; i <= BUCKETS; i++) {
            acks.set(i, 0);
        }
    }

    /**
     * The quantile {@code q} of the times from a {@code sendAsync} until its acknowledgement (the message applied
     * on its sender's node), since {@link #resetAckTimes}: the upper bound of its bucket, in ms; NaN if none.
     */
    double ackMillis(double q) {
        long total = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            total += acks.get(i);
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            seen += acks.get(i);
            if (seen >= rank) {
                return (i + 1) * BUCKET_NANOS / 1e6;
            }
        }
        return Double.NaN;
    }

    /** the CPU time its sending threads used so far (they pace themselves by waking every 200 µs) */
    long cpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads) {
            sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
        }
        return sum;
    }

    /** @return how many sends were due but not yet made when it stopped */
    long stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
        return behind.get();
    }
}
