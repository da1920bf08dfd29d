package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.cutover.launcher.PrivateNetwork;
import org.junit.Test;

/**
 * Issue 14's first brick: nodes on their own addresses in network namespaces on a private bridge, and faults made
 * by the kernel: partitions, and loss counted where the datagrams arrive. A probe from one namespace connects to a port nobody listens on: "Connection refused" means the
 * packets got there and back; a partition answers at once with the blackhole route's error. Closing removes every
 * namespace and the bridge.
 */
public class PrivateNetworkProcessIT {

    private static final int NOBODY = 9;

    @Test
    public void partitionsComeFromTheKernelAndNothingIsLeftBehind() throws Exception {
        String id = "it" + ProcessHandle.current().pid() % 10000;
        String bridge;
        List<String> namespaces;
        try (PrivateNetwork net = new PrivateNetwork(id, 200 + (int) (ProcessHandle.current().pid() % 50))) {
            net.create();
            bridge = net.bridge();
            for (String node : List.of("a", "b", "c")) {
                net.addNode(node, "abc".indexOf(node) + 1);
            }
            namespaces = List.of(net.namespace("a"), net.namespace("b"), net.namespace("c"));
            assertEquals("a reaches b", "refused", probe(net, "a", net.address("b")).outcome);
            assertEquals("c reaches the host", "refused", probe(net, "c", net.hostAddress()).outcome);

            net.partition(List.of(Set.of("a"), Set.of("b", "c")));
            assertEquals("a cut from b", "cut", probe(net, "a", net.address("b")).outcome);
            assertEquals("c cut from a", "cut", probe(net, "c", net.address("a")).outcome);
            assertEquals("b still reaches c", "refused", probe(net, "b", net.address("c")).outcome);
            assertTrue(net.status(), net.status().contains("cut off from " + net.address("b")));
            net.heal();
            assertEquals("a reaches b again", "refused", probe(net, "a", net.address("b")).outcome);

            assertEquals("b reaches c", "refused", probe(net, "b", net.address("c")).outcome);

            // loss: 1000 datagrams from b to the host, counted where they arrive. b learns the host's MAC address
            // first: datagrams sent while ARP resolves it are queued (a few) or dropped (seen)
            assertEquals("b reaches the host", "refused", probe(net, "b", net.hostAddress()).outcome);
            int clean = datagramsArriving(net, "b", 1000);
            assertTrue("nothing lost without loss: " + clean, clean >= 995);
            net.loss("b", 20);
            assertEquals(20.0, net.loss("b"), 0.001);
            assertTrue(net.status(), net.status().contains("loses 20.0 %"));
            int arrived = datagramsArriving(net, "b", 1000);
            // binomial(1000, 0.8): mean 800, standard deviation 12.6
            assertTrue("about 800 of 1000 arrive with 20 % loss: " + arrived, arrived > 720 && arrived < 880);
            net.heal();
            assertEquals("heal ends the loss", 0.0, net.loss("b"), 0.0);
            assertTrue("nothing lost after the heal", datagramsArriving(net, "b", 1000) >= 995);

            // delay: a connect from the host to a closed port of b is answered by b's reset, which b sends
            long direct = medianRefusalMillis(net.address("b"));
            net.delay("b", 20, 0, 0);
            assertEquals("20 ms ± 0", net.delay("b"));
            assertTrue(net.status(), net.status().contains("delays the packets it sends 20 ms ± 0"));
            long delayed = medianRefusalMillis(net.address("b"));
            assertTrue("b's answer 20 ms later: " + direct + " ms, then " + delayed + " ms",
                    delayed >= 20 && delayed < direct + 35);
            // a cut, and its end, leave the delay in place
            net.partition(List.of(Set.of("a"), Set.of("b", "c")));
            assertEquals("a cut from b", "cut", probe(net, "a", net.address("b")).outcome);
            assertEquals("the delay outlives a cut", "20 ms ± 0", net.delay("b"));
            net.endPartition();
            assertEquals("a reaches b once the cut ends", "refused", probe(net, "a", net.address("b")).outcome);
            assertEquals("the delay outlives the cut's end", "20 ms ± 0", net.delay("b"));
            net.heal();
            assertEquals("heal ends the delay", "", net.delay("b"));
            long healed = medianRefusalMillis(net.address("b"));
            System.out.printf("PrivateNetworkProcessIT: a reset from b after %d ms, with 20 ms delay %d ms, healed %d"
                    + " ms; with 20 %% loss %d of 1000 datagrams arrived%n", direct, delayed, healed, arrived);
            assertTrue("no delay after the heal: " + healed + " ms", healed < 15);
        }
        assertFalse("namespaces left: " + run("ip", "netns", "list"),
                namespaces.stream().anyMatch(ns -> run("ip", "netns", "list").contains(ns)));
        assertFalse("bridge left", run("ip", "link", "show").contains(bridge + ":"));
    }

    /**
     * A run killed before its clean leaves its bridge and namespaces; the folder's next start must not fail on them
     * ("File exists") nor take a network a live process still uses. 250 and 251 stand for two folders' networks.
     */
    @Test
    public void aNetworkLeftByAKilledRunIsRemovedAndOneInUseIsKept() throws Exception {
        PrivateNetwork live = new PrivateNetwork("cut250", 250).create();
        PrivateNetwork left = new PrivateNetwork("cut251", 251).create();
        Process inLive = null;
        PrivateNetwork claimed = null;
        try {
            live.addNode("node1", 1);
            left.addNode("node1", 1);
            left.addNode("node2", 2);
            inLive = new ProcessBuilder(live.inside("node1", List.of("sleep", "300"))).start();
            assertTrue("sleep runs in " + live.namespace("node1"), run("ip", "netns", "pids", "cut250-node1")
                    .contains(Long.toString(inLive.pid())));
            List<String> said = new java.util.ArrayList<>();

            claimed = PrivateNetwork.claim(250, said::add);

            assertEquals("the live network is skipped, the leftover one taken: " + said, "cut251", claimed.id());
            assertTrue(said.toString(), said.get(0).contains("cbr-cut250 is in use"));
            assertTrue(said.toString(), said.get(1).startsWith("removed network cbr-cut251 and namespaces"));
            String namespaces = run("ip", "netns", "list");
            assertFalse("the leftover namespaces are gone: " + namespaces, namespaces.contains("cut251-"));
            assertTrue("the live namespace is kept: " + namespaces, namespaces.contains("cut250-node1"));
            assertTrue("its process runs on", inLive.isAlive());
            assertEquals("the live network still carries packets", "refused",
                    probe(live, "node1", live.hostAddress()).outcome);
            assertTrue(run("ip", "addr", "show", "cbr-cut251"), run("ip", "addr", "show", "cbr-cut251")
                    .contains(claimed.hostAddress() + "/24"));
        } finally {
            if (inLive != null) {
                inLive.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            live.close();
            (claimed != null ? claimed : left).close();
        }
        assertFalse("nothing left: " + run("ip", "netns", "list"), run("ip", "netns", "list").contains("cut25"));
    }

    /** the median time of 15 connects from the host to port 9 of {@code address}, refused by the reset it sends */
    private static long medianRefusalMillis(String address) throws Exception {
        List<Long> millis = new java.util.ArrayList<>();
        for (int i = 0; i < 15; i++) {
            long t = System.nanoTime();
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(address, NOBODY), 5000);
                throw new AssertionError("something listens on " + address + ":" + NOBODY);
            } catch (java.net.ConnectException refused) {
                millis.add((System.nanoTime() - t) / 1_000_000);
            }
        }
        java.util.Collections.sort(millis);
        return millis.get(millis.size() / 2);
    }

    /** sends {@code count} UDP datagrams from {@code node}'s namespace to the host; how many arrived */
    private static int datagramsArriving(PrivateNetwork net, String node, int count) throws Exception {
        try (java.net.DatagramSocket in = new java.net.DatagramSocket(0,
                java.net.InetAddress.getByName(net.hostAddress()))) {
            in.setSoTimeout(1000);
            java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
            Thread counter = new Thread(() -> {
                java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[64], 64);
                try {
                    while (true) {
                        in.receive(p);
                        arrived.incrementAndGet();
                    }
                } catch (IOException end) {
                    // a second without a datagram after the sender ended, or the socket closed
                }
            });
            counter.start();
            // 1 ms apart (read -t on a pipe nobody writes: a pause without a process per datagram), so that the
            // receiver keeps up: unpaced, 2-4 % were dropped on arrival with no loss set (a full receive buffer)
            Process p = new ProcessBuilder(net.inside(node, List.of("bash", "-c", "exec 4<> <(:); for i in $(seq "
                    + count + "); do echo $i > /dev/udp/" + net.hostAddress() + "/" + in.getLocalPort()
                    + "; read -t 0.001 -u 4; done; exit 0"))).redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals("the sender in " + node + ": " + said, 0, p.exitValue());
            counter.join(10_000);
            return arrived.get();
        }
    }

    private record Probe(String outcome, long millis) {
    }

    /** a TCP connect from {@code node}'s namespace to {@code address}:9, where nothing listens */
    private static Probe probe(PrivateNetwork net, String node, String address) throws Exception {
        long t = System.nanoTime();
        Process p = new ProcessBuilder(net.inside(node, List.of("timeout", "2", "bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + NOBODY))).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        long millis = (System.nanoTime() - t) / 1_000_000;
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (out.contains("Connection refused")) {
            return new Probe("refused", millis);
        }
        if (out.contains("Invalid argument") || out.contains("No route") || out.contains("unreachable")) {
            return new Probe("cut", millis);
        }
        throw new AssertionError("probe from " + node + " to " + address + ": exit " + p.exitValue() + ", " + out);
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.waitFor(10, TimeUnit.SECONDS);
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
