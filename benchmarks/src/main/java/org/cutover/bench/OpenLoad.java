package org.cutover.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
                g.sendAsync(payload).whenComplete((v, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                        long now = System.nanoTime();
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
