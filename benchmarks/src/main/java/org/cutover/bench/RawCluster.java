package org.cutover.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;

/**
 * Plain JChannels on the shipped lower stack with SEQUENCER in place of the
 * shipped raft protocols ({@link Stack#sequencer}): the baselines. A multicast
 * goes through SEQUENCER (total order); for the round trip each
 * member answers it at delivery with a unicast to the sender.
 */
final class RawCluster implements AutoCloseable {

    private static final byte PING = 1;
    private static final byte PONG = 2;
    private static final byte DATA = 3;

    final List<JChannel> channels = new ArrayList<>();
    private volatile long currentPing = -1;
    private volatile CountDownLatch pongs;
    /** when the last answer of the current round trip arrived (receiving thread's clock, no wake-up included) */
    private volatile long lastPongAt;
    /** data messages delivered, per member */
    final AtomicLong[] delivered;
    private volatile CountDownLatch allDelivered;
    private volatile long expectedPerMember;

    private RawCluster(int size) {
        delivered = new AtomicLong[size];
        for (int i = 0; i < size; i++) {
            delivered[i] = new AtomicLong();
        }
    }

    static RawCluster start(String name, int size) throws Exception {
        return start(name, size, Stack.sequencer(size));
    }

    static RawCluster start(String name, int size, Stack stack) throws Exception {
        String clusterName = name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        RawCluster c = new RawCluster(size);
        try {
            for (int i = 0; i < size; i++) {
                JChannel ch = stack.channel(i);
                c.channels.add(ch);
                ch.setName("raw" + (i + 1));
                int index = i;
                ch.setReceiver(new Receiver() {
                    @Override
                    public void receive(Message msg) {
                        c.onMessage(index, ch, msg);
                    }
                });
                ch.connect(clusterName);
            }
            long deadline = System.nanoTime() + CutoverCluster.WAIT.toNanos();
            for (JChannel ch : c.channels) {
                while (ch.getView().size() != size) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(ch.getName() + " view " + ch.getView());
                    }
                    Thread.sleep(20);
                }
            }
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void onMessage(int index, JChannel self, Message msg) {
        byte[] b = msg.getArray();
        int off = msg.getOffset();
        byte kind = b[off];
        if (kind == PING) {
            byte[] pong = ByteBuffer.allocate(9).put(PONG).putLong(ByteBuffer.wrap(b, off + 1, 8).getLong()).array();
            try {
                self.send(new BytesMessage(msg.getSrc(), pong));
            } catch (Exception e) {
                System.err.println("raw pong failed: " + e);
            }
        } else if (kind == PONG) {
            long id = ByteBuffer.wrap(b, off + 1, 8).getLong();
            CountDownLatch l = pongs;
            if (id == currentPing && l != null) {
                l.countDown();
                if (l.getCount() == 0) {
                    lastPongAt = System.nanoTime();
                }
            }
        } else if (kind == DATA) {
            long n = delivered[index].incrementAndGet();
            CountDownLatch l = allDelivered;
            if (n == expectedPerMember && l != null) {
                l.countDown();
            }
        }
    }

    /**
     * One totally ordered multicast from member {@code from}, answered by every
     * member (itself included) with a unicast.
     *
     * @return nanoseconds until the last answer arrived, or -1 on a time-out
     */
    long roundTrip(int from, long id, long timeoutMillis) throws Exception {
        CountDownLatch l = new CountDownLatch(channels.size());
        pongs = l;
        currentPing = id;
        byte[] ping = ByteBuffer.allocate(9).put(PING).putLong(id).array();
        long t0 = System.nanoTime();
        channels.get(from).send(new BytesMessage(null, ping));
        boolean ok = l.await(timeoutMillis, TimeUnit.MILLISECONDS);
        long t = System.nanoTime() - t0;
        return ok ? t : -1;
    }

    /**
     * {@link #roundTrip}, timed twice: {@code [0]} until the waiting thread woke (as roundTrip),
     * {@code [1]} until the last answer arrived, stamped by the receiving thread; both -1 on a time-out.
     */
    long[] roundTripStamped(int from, long id, long timeoutMillis) throws Exception {
        long t0 = System.nanoTime();
        long woke = roundTrip(from, id, timeoutMillis);
        return woke < 0 ? new long[] {-1, -1} : new long[] {woke, lastPongAt - t0};
    }

    /** arms the delivery count for a throughput round */
    CountDownLatch expectData(long perMember) {
        for (AtomicLong a : delivered) {
            a.set(0);
        }
        expectedPerMember = perMember;
        CountDownLatch l = new CountDownLatch(channels.size());
        allDelivered = l;
        return l;
    }

    static byte[] dataPayload(int size) {
        byte[] b = new byte[size];
        for (int i = 1; i < size; i++) {
            b[i] = (byte) i;
        }
        b[0] = DATA;
        return b;
    }

    @Override
    public void close() {
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close();
        }
    }
}
