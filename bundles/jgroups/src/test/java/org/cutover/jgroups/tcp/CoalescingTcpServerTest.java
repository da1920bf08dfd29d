package org.cutover.jgroups.tcp;

import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jgroups.Address;
import org.jgroups.blocks.cs.Receiver;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.DefaultSocketFactory;
import org.jgroups.util.DefaultThreadFactory;
import org.junit.After;
import org.junit.Test;

/**
 * Accepting a connection must not wait for a connect this server has under way to another peer: a connect holds
 * the server's lock, over TLS for the whole handshake, and the peer's handshake can in turn wait for its acceptor.
 * Three Karaf nodes started together deadlocked that way for good (ClusterOperationsProcessIT, 2026-12-03: each
 * node's acceptor waited for its lock, held by a thread in a TLS handshake with the next node).
 */
public class CoalescingTcpServerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @After
    public void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    @Test
    public void aConnectionIsAcceptedWhileTheServerIsConnectingElsewhere() throws Exception {
        CompletableFuture<String> arrived = new CompletableFuture<>();
        CoalescingTcpServer server = server(arrived);
        CoalescingTcpServer peer = server(new CompletableFuture<>());

        // a peer whose accept queue is full: the kernel drops the SYNs, a connect to it waits out its timeout
        ServerSocket full = new ServerSocket(0, 1, LOOPBACK);
        opened.add(full);
        for (int i = 0; i < 3; i++) {
            Socket s = new Socket();
            opened.add(s);
            try {
                s.connect(new InetSocketAddress(LOOPBACK, full.getLocalPort()), 200);
            } catch (java.io.IOException queueFull) {
                break;
            }
        }
        server.socketConnectionTimeout(4000);
        CompletableFuture<Void> connecting = CompletableFuture.runAsync(() -> {
            try {
                server.send(new IpAddress(LOOPBACK, full.getLocalPort()), new byte[8], 0, 8);
            } catch (Exception timedOut) {
                // what the connect ends with
            }
        });
        Thread.sleep(300);
        assertTrue("the connect is under way", !connecting.isDone());

        long t0 = System.nanoTime();
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        peer.send(server.localAddress(), hello, 0, hello.length);
        String got = arrived.get(10, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("received " + got, got.equals("hello"));
        assertTrue("received after " + millis + " ms, while the other connect was under way: " + !connecting.isDone(),
                millis < 2000 && !connecting.isDone());
        connecting.get(10, TimeUnit.SECONDS);
    }

    private CoalescingTcpServer server(CompletableFuture<String> arrived) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        CoalescingTcpServer server = new CoalescingTcpServer(new DefaultThreadFactory("test", true),
                new DefaultSocketFactory(), LOOPBACK, port, null, 0, 0);
        server.usePeerConnections(true).receiver(new Receiver() {
            @Override
            public void receive(Address sender, byte[] buf, int offset, int length) {
                arrived.complete(new String(buf, offset, length, StandardCharsets.US_ASCII));
            }

            @Override
            public void receive(Address sender, java.io.DataInput in, int length) throws Exception {
                byte[] buf = new byte[length];
                in.readFully(buf);
                receive(sender, buf, 0, length);
            }
        });
        server.start();
        opened.add(server::stop);
        return server;
    }
}
