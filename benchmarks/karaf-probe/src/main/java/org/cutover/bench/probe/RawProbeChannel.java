package org.cutover.bench.probe;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;

/**
 * The baseline of the Karaf adjust benchmark: a plain JChannel built from the node's own stack file (all its lower
 * protocols, on plain TCP: the node's TLS context is core's), only on another port and cluster name, one per node, with the file's raft protocols
 * stripped (a raw channel has no raft id, members or log; the in-JVM baselines, benchmarks' Stack#sequencer, do
 * the same) and a bare SEQUENCER (default threshold) just above GMS. A ping is multicast through SEQUENCER
 * (total order); each member answers it at delivery with a unicast to the sender.
 *
 * <p>The same channel carries the benchmark's control message: "hold N bench groups", so that one command on one
 * node can change the group count on every node between phases.
 */
final class RawProbeChannel implements AutoCloseable {

    private static final byte PING = 1;
    private static final byte PONG = 2;
    private static final byte HOLD_GROUPS = 3;
    private static final byte HOLD_GROUPS_DONE = 4;

    private static final Pattern BIND_PORT = Pattern.compile("(<org\\.cutover\\.jgroups\\.tcp\\.CoalescingTCP\\b[^>]*?\\bbind_port=\")[^\"]*(\")", Pattern.DOTALL);
    private static final Pattern INITIAL_HOSTS =
            Pattern.compile("(<TCPPING\\b[^>]*?\\binitial_hosts=\")[^\"]*(\")", Pattern.DOTALL);
    /**
     * the shipped raft protocols (NO_DUPES, REDIRECT, and Cutover's CheckedELECTION2 and CheckedRAFT), each with its
     * line. Left in, the election without its RAFT voted in a loop: one thread at 100 % and gigabytes of heap on
     * each node, adjusts at 135 ms p50 instead of 12-18
     */
    static final Pattern RAFT_PROTOCOL = Pattern.compile(
            "[ \\t]*<(raft|org\\.cutover\\.jgroups\\.raft)\\.[A-Za-z0-9_]+[^>]*/>[ \\t]*\\R?");
    private static final Pattern GMS = Pattern.compile("<pbcast\\.GMS\\b[^>]*/>");
    private static final Pattern HOST = Pattern.compile("([^,\\[\\s]+)\\[(\\d+)\\]");

    private final JChannel channel;
    private final IntFunction<String> holdGroups;
    /** group joins block until delivered: never on JGroups' delivery thread */
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cutover-bench-probe-worker");
        t.setDaemon(true);
        return t;
    });
    private volatile long currentPing = -1;
    private volatile CountDownLatch pongs;
    private final Map<Long, Map<String, String>> holdReplies = new ConcurrentHashMap<>();
    private final Map<Long, CountDownLatch> holdLatches = new ConcurrentHashMap<>();

    /**
     * @param stackXml   the node's stack file text
     * @param port       this node's raw port
     * @param hosts      TCPPING hosts of every node's raw channel
     * @param holdGroups asked to make this node hold members in exactly N bench groups; returns "ok" or what failed
     */
    RawProbeChannel(String stackXml, int port, String hosts, String nodeName, IntFunction<String> holdGroups)
            throws Exception {
        this.holdGroups = holdGroups;
        String xml = replaceOnce(BIND_PORT, stackXml, Integer.toString(port), "CoalescingTCP bind_port");
        xml = replaceOnce(INITIAL_HOSTS, xml, hosts, "TCPPING initial_hosts");
        xml = sequencerInPlaceOfRaft(xml);
        channel = new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        channel.setName(nodeName + "-raw");
        channel.setReceiver(new Receiver() {
            @Override
            public void receive(Message msg) {
                onMessage(msg);
            }
        });
    }

    /** TCPPING hosts "h[p],..." with every port moved by {@code offset} */
    static String shiftPorts(String hosts, int offset) {
        Matcher m = HOST.matcher(hosts);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            b.append(b.length() == 0 ? "" : ",").append(m.group(1)).append('[')
                    .append(Integer.parseInt(m.group(2)) + offset).append(']');
        }
        if (b.length() == 0) {
            throw new IllegalArgumentException("no host[port] in initial hosts '" + hosts + "'");
        }
        return b.toString();
    }

    /** the stack without comments and raft protocols, a bare SEQUENCER just above GMS */
    static String sequencerInPlaceOfRaft(String xml) {
        String x = xml.replaceAll("(?s)<!--.*?-->", "");
        x = RAFT_PROTOCOL.matcher(x).replaceAll("");
        if (x.contains("raft.")) {
            throw new IllegalStateException("the stack file has a raft protocol the probe does not strip: " + x);
        }
        Matcher gms = GMS.matcher(x);
        if (!gms.find()) {
            throw new IllegalStateException("the stack file has no pbcast.GMS: the probe puts SEQUENCER above it");
        }
        return x.substring(0, gms.end()) + "\n    <SEQUENCER/>" + x.substring(gms.end());
    }

    private static String replaceOnce(Pattern p, String text, String value, String what) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("the stack file has no " + what + ": the probe needs TCP with TCPPING");
        }
        return text.substring(0, m.start()) + m.group(1) + value + m.group(2) + text.substring(m.end());
    }

    void connect(String clusterName) throws Exception {
        channel.connect(clusterName);
    }

    View view() {
        return channel.getView();
    }

    String name() {
        return channel.getName();
    }

    private void onMessage(Message msg) {
        byte[] b = msg.getArray();
        int off = msg.getOffset();
        ByteBuffer in = ByteBuffer.wrap(b, off + 1, msg.getLength() - 1);
        switch (b[off]) {
            case PING -> send(msg.getSrc(), ByteBuffer.allocate(9).put(PONG).putLong(in.getLong()).array());
            case PONG -> {
                CountDownLatch l = pongs;
                if (in.getLong() == currentPing && l != null) {
                    l.countDown();
                }
            }
            case HOLD_GROUPS -> {
                long request = in.getLong();
                int count = in.getInt();
                Address asker = msg.getSrc();
                worker.execute(() -> {
                    String outcome;
                    try {
                        outcome = holdGroups.apply(count);
                    } catch (RuntimeException e) {
                        outcome = e.toString();
                    }
                    byte[] text = outcome.getBytes(StandardCharsets.UTF_8);
                    send(asker, ByteBuffer.allocate(13 + text.length).put(HOLD_GROUPS_DONE).putLong(request)
                            .putInt(text.length).put(text).array());
                });
            }
            case HOLD_GROUPS_DONE -> {
                long request = in.getLong();
                byte[] text = new byte[in.getInt()];
                in.get(text);
                Map<String, String> replies = holdReplies.get(request);
                CountDownLatch l = holdLatches.get(request);
                if (replies != null && l != null) {
                    replies.put(String.valueOf(msg.getSrc()), new String(text, StandardCharsets.UTF_8));
                    l.countDown();
                }
            }
            default -> { }
        }
    }

    private void send(Address to, byte[] payload) {
        try {
            channel.send(new BytesMessage(to, payload));
        } catch (Exception e) {
            System.err.println("cutover bench probe: raw send to " + to + " failed: " + e);
        }
    }

    /**
     * One totally ordered multicast, answered by every member of the view (this one too) with a unicast.
     *
     * @return nanoseconds until the last answer arrived, or -1 on a time-out
     */
    long roundTrip(long id, long timeoutMillis) throws Exception {
        CountDownLatch l = new CountDownLatch(channel.getView().size());
        pongs = l;
        currentPing = id;
        byte[] ping = ByteBuffer.allocate(9).put(PING).putLong(id).array();
        long t0 = System.nanoTime();
        channel.send(new BytesMessage(null, ping));
        boolean ok = l.await(timeoutMillis, TimeUnit.MILLISECONDS);
        long t = System.nanoTime() - t0;
        return ok ? t : -1;
    }

    /** asks every member (this one too) to hold exactly {@code count} bench groups; member -> outcome */
    Map<String, String> holdGroupsEverywhere(long request, int count, long timeoutMillis) throws Exception {
        int members = channel.getView().size();
        Map<String, String> replies = new ConcurrentHashMap<>();
        CountDownLatch l = new CountDownLatch(members);
        holdReplies.put(request, replies);
        holdLatches.put(request, l);
        try {
            channel.send(new BytesMessage(null, ByteBuffer.allocate(13).put(HOLD_GROUPS).putLong(request)
                    .putInt(count).array()));
            if (!l.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("only " + replies.size() + " of " + members + " members held "
                        + count + " bench groups within " + timeoutMillis + " ms: " + replies);
            }
            return Map.copyOf(replies);
        } finally {
            holdReplies.remove(request);
            holdLatches.remove(request);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        channel.close();
    }
}
