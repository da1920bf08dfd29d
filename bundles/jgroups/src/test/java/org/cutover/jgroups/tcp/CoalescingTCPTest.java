package org.cutover.jgroups.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.IpAddress;
import org.junit.After;
import org.junit.Test;

/**
 * Three channels on CoalescingTCP with non_blocking_sends over loopback: every connection, opened or accepted,
 * coalesces, and a burst of multicasts and unicasts arrives complete and in each sender's order (a buffer dropped
 * on a full queue is retransmitted by NAKACK2 and UNICAST3).
 */
public class CoalescingTCPTest {

    private static final int MULTICASTS = 3000;
    private static final int UNICASTS = 1000;
    private final List<JChannel> channels = new ArrayList<>();

    @After
    public void close() {
        channels.forEach(JChannel::close);
    }

    @Test
    public void everyConnectionCoalescesAndABurstArrivesInOrder() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        List<List<String>> received = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>(); // compared while the receiver may add
            received.add(log);
            JChannel ch = channel(ports, i);
            ch.setReceiver(new Receiver() {
                @Override
                public void receive(Message msg) {
                    byte[] b = msg.getArray();
                    log.add(msg.getSrc() + " " + (msg.getDest() == null ? "m" : "u") + " "
                            + new String(b, msg.getOffset(), 16, java.nio.charset.StandardCharsets.US_ASCII).strip());
                }
            });
            ch.connect("coalescing");
            channels.add(ch);
        }
        await(() -> channels.stream().allMatch(c -> c.getView().size() == 3), () -> "one view of 3");

        JChannel a = channels.get(0);
        Address b = channels.get(1).getAddress();
        for (int k = 0; k < Math.max(MULTICASTS, UNICASTS); k++) {
            if (k < MULTICASTS) {
                a.send(new BytesMessage(null, payload(k)));
            }
            if (k < UNICASTS) {
                a.send(new BytesMessage(b, payload(k)));
            }
        }
        await(() -> received.get(1).size() == MULTICASTS + UNICASTS && received.get(2).size() == MULTICASTS,
                () -> "every message delivered");

        String src = a.getAddress().toString();
        List<String> multicasts = new ArrayList<>();
        List<String> unicasts = new ArrayList<>();
        for (int k = 0; k < MULTICASTS; k++) {
            multicasts.add(src + " m " + k);
        }
        for (int k = 0; k < UNICASTS; k++) {
            unicasts.add(src + " u " + k);
        }
        assertEquals(multicasts, received.get(2));
        assertEquals(multicasts, received.get(1).stream().filter(s -> s.contains(" m ")).toList());
        assertEquals(unicasts, received.get(1).stream().filter(s -> s.contains(" u ")).toList());

        // the two receivers need not have talked yet (TCP connects on a first send): one unicast between them
        channels.get(1).send(new BytesMessage(channels.get(2).getAddress(), payload(0)));
        for (JChannel ch : channels) {
            CoalescingTCP tcp = (CoalescingTCP) ch.getProtocolStack().getTransport();
            // each node has one connection to each of the two others: those it opened and those it accepted
            await(() -> tcp.getOpenConnections() == 2,
                    () -> ch.getAddress() + " with 2 connections: " + tcp.printConnections());
            assertEquals(ch.getAddress() + ": " + tcp.printConnections(), 2, tcp.coalescingConnections());
        }
        CoalescingTCP sender = (CoalescingTCP) a.getProtocolStack().getTransport();
        System.out.printf("CoalescingTCPTest: %.1f buffers per flush on the sender, %d dropped%n",
                sender.buffersPerFlush(), sender.droppedBuffers());
    }

    private static JChannel channel(int[] ports, int i) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        CoalescingTCP tcp = new CoalescingTCP();
        tcp.setBindAddress(loopback);
        tcp.setBindPort(ports[i]);
        tcp.setPortRange(0);
        tcp.nonBlockingSends(true);
        List<org.jgroups.PhysicalAddress> hosts = new ArrayList<>();
        for (int p : ports) {
            hosts.add(new IpAddress(loopback, p));
        }
        TCPPING ping = new TCPPING();
        ping.setInitialHosts2(hosts);
        ping.setPortRange(0);
        return new JChannel(tcp, ping, new NAKACK2(), new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(1000),
                new FRAG4()).name("c" + i);
    }

    private static byte[] payload(int k) {
        byte[] b = new byte[1024];
        byte[] n = String.format("%-16d", k).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, b, 0, n.length);
        return b;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** waits up to 30 s; fails with what it waited for as it stood last */
    private static void await(java.util.function.BooleanSupplier done, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after 30 s waiting for " + what.get());
            }
            Thread.sleep(20);
        }
    }
}
