package org.cutover.core.internal.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * TCP ports free on loopback, below the kernel's ephemeral range. A port from that range (what
 * {@code new ServerSocket(0)} gives) can be taken by any outgoing connection, the cluster's own included, between
 * the moment it is picked and the moment a node binds it: CI failed once with "No available port to bind to"
 * (ClusterLogTest, 2026-12-01).
 */
final class FreePorts {

    /** ports handed out by this JVM, so that two clusters never get the same one */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();
    private static final Random RANDOM = new Random();

    private FreePorts() {
    }

    static synchronized int next() {
        int below = ephemeralStart();
        int low = Math.min(20000, below / 2);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = low + RANDOM.nextInt(below - low);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            // without SO_REUSEADDR, as JGroups' TCP binds: a port an earlier test left connections on in TIME_WAIT
            // probes free with it (the JDK's default) and then fails the node's bind (CI, DefinedNodesTest, 6422)
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                HANDED_OUT.add(port);
                return port;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port on loopback between " + low + " and " + below);
    }

    /** the first port of the kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range) */
    private static int ephemeralStart() {
        try {
            // one line read at once: procfs answers a read past its first byte with nothing, so Files.readString,
            // which reads a file that says its size is 0 byte by byte first, got "3" of "32768 60999" here
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
            return Math.max(10000, Integer.parseInt(range.trim().split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
