package org.cutover.core.internal.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.InfraLevels;
import org.cutover.core.internal.NodeSettings;
import org.cutover.core.internal.version.VersionNegotiator;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;

/**
 * Several Cutover nodes in one JVM on the real TCP loopback stack (the same
 * protocols as the distribution's etc/cutover-jgroups.xml), each with its own
 * port and state folder under target/. Faults (SHUFFLE, DISCARD, DELAY) can be
 * put into the live stack just above the transport.
 */
public final class TestCluster implements AutoCloseable {

    /** waits end as soon as their condition holds; generous for a loaded 2-core CI machine */
    public static final Duration WAIT = Duration.ofSeconds(60);

    public final class TestNode {
        public final String name;
        public final InfraLevels infra = new InfraLevels();
        public final ClusterNode node;
        public final VersionNegotiator versions;
        private JChannel channel;

        TestNode(String name, int index, int port, int... levels) {
            this.name = name;
            for (int l : levels) {
                infra.add(new TestInfra(l));
            }
            NodeSettings settings = new NodeSettings(name, clusterName, stateDir.resolve(name + ".bin"),
                    Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(5));
            node = new ClusterNode(settings, () -> {
                channel = new JChannel(new ByteArrayInputStream(stack(port, security.apply(index))
                        .getBytes(StandardCharsets.UTF_8)));
                return channel;
            }, infra, (topic, props) -> events.add(topic + " " + props));
            versions = new VersionNegotiator(node);
        }

        public JChannel channel() {
            return channel;
        }

        /** cuts the node off the network without a word: the others see it vanish */
        public void cutOff() {
            DISCARD discard = channel.getProtocolStack().findProtocol(DISCARD.class);
            if (discard == null) {
                throw new IllegalStateException("start the cluster with DISCARD in its faults to cut a node off");
            }
            discard.discardAll(true);
        }

        /** closes the channel without the orderly goodbye, as a crash would */
        public void crash() {
            channel.close();
            running.remove(name);
        }

        public void stop() {
            node.close();
            running.remove(name);
        }
    }

    private final String clusterName;
    private final Path stateDir;
    private final String faults;
    private final int[] ports;
    /** per node index: protocol XML put just below NAKACK2 (e.g. SYM_ENCRYPT), or "" */
    private java.util.function.IntFunction<String> security = i -> "";
    private final Map<String, TestNode> running = new LinkedHashMap<>();
    public final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * @param faults protocol XML elements put above the transport, e.g. {@code <SHUFFLE up="true" down="false"/>}
     */
    public TestCluster(String name, int maxNodes, String faults) throws IOException {
        this.clusterName = name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        this.stateDir = Path.of("target", "test-state", name);
        this.faults = faults;
        deleteRecursively(stateDir);
        Files.createDirectories(stateDir);
        ports = new int[maxNodes];
        for (int i = 0; i < maxNodes; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports[i] = s.getLocalPort();
            }
        }
    }

    public TestCluster(String name, int maxNodes) throws IOException {
        this(name, maxNodes, "");
    }

    /** starts node number {@code index} (0-based) with these levels and waits until it has the cluster state */
    public TestNode start(int index, int... levels) throws Exception {
        TestNode n = new TestNode("node" + (index + 1), index, ports[index], levels);
        n.node.start();
        if (!n.node.awaitSynced(WAIT)) {
            throw new AssertionError(n.name + " did not learn the cluster state within " + WAIT);
        }
        running.put(n.name, n);
        return n;
    }

    /** starts nodes 0..count-1 with the same levels and waits until each sees all as ACTIVE */
    public List<TestNode> startAll(int count, int... levels) throws Exception {
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(start(i, levels));
        }
        awaitActive(count);
        return nodes;
    }

    public void awaitActive(int count) {
        for (TestNode n : running.values()) {
            Await.until(n.name + " to see " + count + " ACTIVE nodes", WAIT,
                    () -> n.node.definedNodes().stream().filter(d -> d.status() == org.cutover.api.NodeStatus.ACTIVE)
                            .count() == count && n.node.nodesInView().size() == count,
                    () -> n.node.definedNodes() + " in view " + n.node.nodesInView());
        }
    }

    public TestNode node(String name) {
        return running.get(name);
    }

    public List<TestNode> running() {
        return new ArrayList<>(running.values());
    }

    /** sets the protocols (e.g. SYM_ENCRYPT) each node index gets below NAKACK2 */
    public TestCluster security(java.util.function.IntFunction<String> perNode) {
        this.security = perNode;
        return this;
    }

    public Path stateDir() {
        return stateDir;
    }

    String stack(int port, String securityProtocols) {
        String hosts = Stream.of(ports).flatMapToInt(java.util.Arrays::stream)
                .mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(","));
        return """
                <config xmlns="urn:org:jgroups">
                  <TCP bind_addr="127.0.0.1" bind_port="%d" port_range="0" tcp_nodelay="true"
                       bundler_type="sender-sends" diag.enabled="false"/>
                  %s
                  <TCPPING initial_hosts="%s" port_range="0"/>
                  <MERGE3 min_interval="1000" max_interval="3000"/>
                  <FD_SOCK2/>
                  <FD_ALL3 timeout="3000" interval="1000"/>
                  <VERIFY_SUSPECT2 timeout="500"/>
                  %s
                  <pbcast.NAKACK2 xmit_interval="200"/>
                  <UNICAST3 xmit_interval="200"/>
                  <pbcast.STABLE desired_avg_gossip="2000" max_bytes="1M"/>
                  <pbcast.GMS join_timeout="500" print_local_addr="false"/>
                  <SEQUENCER threshold="0"/>
                  <UFC/>
                  <MFC/>
                  <FRAG4/>
                </config>
                """.formatted(port, faults, hosts, securityProtocols);
    }

    @Override
    public void close() {
        List<TestNode> nodes = new ArrayList<>(running.values());
        java.util.Collections.reverse(nodes);
        for (TestNode n : nodes) {
            try {
                n.node.close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        running.clear();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
