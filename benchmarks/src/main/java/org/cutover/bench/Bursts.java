package org.cutover.bench;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;

/**
 * The members of one group counting what they deliver, and bursts timed as {@link ThroughputBench} times them:
 * every member sends {@code n} at once with {@code sendAsync}; the burst ends when every member delivered all.
 */
final class Bursts {
    private final int size;
    final AtomicLong[] delivered;
    private final AtomicReference<CountDownLatch> done = new AtomicReference<>(new CountDownLatch(0));
    private final AtomicLong expected = new AtomicLong(Long.MAX_VALUE);

    Bursts(int size) {
        this.size = size;
        delivered = new AtomicLong[size];
        for (int i = 0; i < size; i++) {
            delivered[i] = new AtomicLong();
        }
    }

    /** member {@code i}'s listener: counts its deliveries */
    GroupListener listener(int i) {
        return (Delivery d) -> {
            if (delivered[i].incrementAndGet() == expected.get()) {
                done.get().countDown();
            }
        };
    }

    /** @return messages per second delivered per member */
    double burst(List<Group> members, byte[] payload, long n) throws Exception {
        ThroughputBench.settle();
        long base = delivered[0].get();
        for (AtomicLong d : delivered) {
            d.set(base);
        }
        expected.set(base + size * n);
        CountDownLatch all = new CountDownLatch(size);
        done.set(all);
        long nanos = ThroughputBench.timed(size, n, i -> members.get(i).sendAsync(payload), all);
        expected.set(Long.MAX_VALUE);
        if (nanos < 0) {
            throw new IllegalStateException("a burst did not complete in " + ThroughputBench.TIMEOUT_MS + " ms");
        }
        return size * n / (nanos / 1e9);
    }
}
