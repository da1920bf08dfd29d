package org.cutover.bench.probe;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.Group;
import org.cutover.api.GroupService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * This node's member of group {@value #GROUP}, for the Karaf throughput figure: every node joins, each streams N
 * messages with {@link Group#sendAsync} at once, and every member counts what it delivers. Times are
 * {@link System#nanoTime}, which on Linux reads CLOCK_MONOTONIC, one clock for every process of the machine (a
 * network namespace does not change it), so the harness compares the nodes' times with each other.
 */
@Component(service = StreamProbe.class)
public class StreamProbe {

    /** not bench-*: bench:adjust-latency takes every group of that prefix for one of its own */
    static final String GROUP = "stream-1k";

    private final GroupService groups;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong firstNanos = new AtomicLong();
    private final AtomicLong lastNanos = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>("");
    private Group member;
    private Thread sender;

    @Activate
    public StreamProbe(@Reference(policyOption = ReferencePolicyOption.GREEDY) GroupService groups) {
        this.groups = groups;
    }

    /** joins the group unless this node is a member already, and zeroes the counts */
    synchronized String join() {
        if (member == null) {
            member = groups.join(GROUP, delivery -> {
                long now = System.nanoTime();
                if (delivered.getAndIncrement() == 0) {
                    firstNanos.set(now);
                }
                lastNanos.set(now);
            });
        }
        delivered.set(0);
        failures.set(0);
        firstFailure.set("");
        return "member of " + GROUP + " at level " + member.level();
    }

    /**
     * Streams {@code count} messages of {@code size} bytes from a thread of its own; returns when it started (nanos).
     *
     * @throws IllegalStateException if this node has not joined or is still sending
     */
    synchronized long send(long count, int size) {
        if (member == null) {
            throw new IllegalStateException("bench:stream-join first: this node has no member of " + GROUP);
        }
        if (sender != null && sender.isAlive()) {
            throw new IllegalStateException("this node is still sending its last stream");
        }
        Group g = member;
        byte[] payload = new byte[size];
        long start = System.nanoTime();
        sender = new Thread(() -> {
            for (long i = 0; i < count; i++) {
                try {
                    g.sendAsync(payload).whenComplete((ok, e) -> {
                        if (e != null) {
                            failed(e);
                        }
                    });
                } catch (RuntimeException e) {
                    failed(e);
                }
            }
        }, "cutover-bench-stream");
        sender.setDaemon(true);
        sender.start();
        return start;
    }

    private void failed(Throwable e) {
        failures.incrementAndGet();
        firstFailure.compareAndSet("", String.valueOf(e));
    }

    /** "delivered N first NANOS last NANOS failed F [the first failure]" */
    String counts() {
        String f = firstFailure.get();
        return "delivered " + delivered.get() + " first " + firstNanos.get() + " last " + lastNanos.get() + " failed "
                + failures.get() + (f.isEmpty() ? "" : " " + f);
    }

    @Deactivate
    synchronized void leave() {
        if (member != null) {
            member.leave();
        }
    }
}
