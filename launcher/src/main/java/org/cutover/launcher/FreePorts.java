package org.cutover.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * TCP ports for nodes: free on loopback now and below the kernel's ephemeral range. A port from that range (what
 * {@code new ServerSocket(0)} gives) can be taken by any outgoing connection while a node is down, and a node
 * restarted on it then cannot bind (seen in KarafChaosProcessIT: "No available port to bind to").
 */
public final class FreePorts {

    private static final String LOOPBACK = "127.0.0.1";
    /** ports handed out by this JVM, so that two calls never give the same one */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();
    private static final Random RANDOM = new Random();

    private FreePorts() {
    }

    /** a free port, none of {@code taken} (ports recorded for nodes that are down now) */
    public static synchronized int next(Set<Integer> taken) {
        int below = ephemeralStart();
        int low = Math.min(20000, below / 2);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = low + RANDOM.nextInt(below - low);
            if (HANDED_OUT.contains(port) || taken.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(LOOPBACK))) {
                HANDED_OUT.add(port);
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IllegalStateException("no free port on " + LOOPBACK + " between " + low + " and " + below);
    }

    public static int next() {
        return next(Set.of());
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
