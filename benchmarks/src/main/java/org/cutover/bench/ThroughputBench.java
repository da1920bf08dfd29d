package org.cutover.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.Group;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.protocols.FlowControl;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.pbcast.NAKACK2;

/**
 * Ordered messaging throughput, 3 members, every member sending N messages at
 * once: through GroupService ({@code Group.sendAsync}, which streams into shared
 * log entries, and {@code Group.send}, one commit round trip per call and
 * thread) and through raw JChannels of the lower stack. A round ends when every member has delivered all 3N.
 */
final class ThroughputBench {

    /** JGroups counters summed over the members, as deltas over one round */
    record Health(long xmitRequests, long rejected, long flowBlocks) {
        static Health of(List<JChannel> channels) {
            long x = 0;
            long r = 0;
            long b = 0;
            for (JChannel ch : channels) {
                NAKACK2 n = ch.getProtocolStack().findProtocol(NAKACK2.class);
                x += n == null ? 0 : n.getXmitRequestsSent();
                TP tp = ch.getProtocolStack().getTransport();
                r += tp.getThreadPool().numberOfRejectedMessages();
                for (Class<? extends FlowControl> fc : List.of(MFC.class, UFC.class)) {
                    FlowControl f = ch.getProtocolStack().findProtocol(fc);
                    b += f == null ? 0 : f.getNumberOfBlockings();
                }
            }
            return new Health(x, r, b);
        }

        Health minus(Health before) {
            return new Health(xmitRequests - before.xmitRequests, rejected - before.rejected,
                    flowBlocks - before.flowBlocks);
        }
    }

    record Round(String path, int payload, long perMember, long nanos, boolean complete, Health health) {
        double msgsPerSec() {
            return complete ? 3.0 * perMember / (nanos / 1e9) : 0;
        }

        double mbPerSec() {
            return msgsPerSec() * payload / 1e6;
        }
    }

    static final int MEMBERS = 3;
    static final long TIMEOUT_MS = 120_000;

    private ThroughputBench() {
    }

    static List<Round> run(int[] payloads, long perMember, int rounds, Path stateRoot) throws Exception {
        List<Round> out = new ArrayList<>();
        try (RawCluster raw = RawCluster.start("rawtp", MEMBERS);
             CutoverCluster cut = CutoverCluster.start("throughput", MEMBERS, stateRoot)) {
            AtomicLong[] counts = new AtomicLong[MEMBERS];
            AtomicReference<CountDownLatch> done = new AtomicReference<>();
            AtomicLong expected = new AtomicLong();
            for (int i = 0; i < MEMBERS; i++) {
                counts[i] = new AtomicLong();
            }
            List<Group> members = cut.joinEverywhere("t", i -> d -> {
                long n = counts[i].incrementAndGet();
                if (n == expected.get()) {
                    done.get().countDown();
                }
            });
            System.out.printf("  throughput: group t at level %d on %d members%n", members.get(0).level(), MEMBERS);
            for (int payload : payloads) {
                byte[] rawBytes = RawCluster.dataPayload(payload);
                byte[] groupBytes = new byte[payload];
                // warm-up, not recorded
                rawRound(raw, rawBytes, Math.max(1, perMember / 5));
                cutoverRound(cut, members, counts, done, expected, groupBytes, Math.max(1, perMember / 5), true);
                for (int r = 0; r < rounds; r++) {
                    out.add(rawRound(raw, rawBytes, perMember));
                    out.add(cutoverRound(cut, members, counts, done, expected, groupBytes, perMember, true));
                    // one synchronous send per thread waits for its commit: bound by the round trip, not the log
                    out.add(cutoverRound(cut, members, counts, done, expected, groupBytes,
                            Math.max(1, perMember / 20), false));
                }
            }
        }
        return out;
    }

    private static Round rawRound(RawCluster raw, byte[] payload, long perMember) throws Exception {
        settle();
        CountDownLatch all = raw.expectData(MEMBERS * perMember);
        Health before = Health.of(raw.channels);
        long nanos = timed(MEMBERS, perMember, i -> raw.channels.get(i).send(new BytesMessage(null, payload)), all);
        return new Round("raw JChannel", payload.length, perMember, Math.abs(nanos), nanos > 0,
                Health.of(raw.channels).minus(before));
    }

    private static Round cutoverRound(CutoverCluster cut, List<Group> members, AtomicLong[] counts, AtomicReference<CountDownLatch> done,
                                      AtomicLong expected, byte[] payload, long perMember, boolean async)
            throws Exception {
        settle();
        for (AtomicLong c : counts) {
            c.set(0);
        }
        expected.set(MEMBERS * perMember);
        CountDownLatch all = new CountDownLatch(MEMBERS);
        done.set(all);
        Health before = Health.of(cut.channels);
        long nanos = async
                ? timed(MEMBERS, perMember, i -> members.get(i).sendAsync(payload), all)
                : timed(MEMBERS, perMember, i -> members.get(i).send(payload), all);
        return new Round(async ? "GroupService sendAsync" : "GroupService send", payload.length, perMember,
                Math.abs(nanos), nanos > 0,
                Health.of(cut.channels).minus(before));
    }

    @FunctionalInterface
    interface Send {
        void send(int member) throws Exception;
    }

    /** @return nanoseconds from the start gate to the last delivery; negative if it timed out */
    static long timed(int senders, long perSender, Send send, CountDownLatch all) throws Exception {
        return timed(senders, perSender, send, all, TIMEOUT_MS);
    }

    /** as above with a time-out of {@code timeoutMs} */
    static long timed(int senders, long perSender, Send send, CountDownLatch all, long timeoutMs) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        for (int s = 0; s < senders; s++) {
            int member = s;
            Thread t = new Thread(() -> {
                try {
                    gate.await();
                    for (long k = 0; k < perSender && failed.get() == null; k++) {
                        send.send(member);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }, "sender-" + s);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        gate.countDown();
        boolean ok = all.await(timeoutMs, TimeUnit.MILLISECONDS);
        long nanos = System.nanoTime() - t0;
        for (Thread t : threads) {
            t.join(5_000);
        }
        if (failed.get() != null) {
            System.err.println("  a sender failed: " + failed.get());
            ok = false;
        }
        return ok ? nanos : -nanos;
    }

    static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(300);
    }
}
