package org.cutover.core.internal.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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
import org.cutover.core.internal.tls.NodeTls;
import org.cutover.core.internal.version.AutoAdjuster;
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
        /** started with the node, as the OSGi component starts it */
        final AutoAdjuster autoAdjuster;
        /** the node's certificate: it signs the node's log entries, and secures its transport if asked */
        public final NodeTls tls;
        private JChannel channel;
        /** when set, what the node's event sink throws instead of taking an event (an EventAdmin gone under it) */
        public volatile java.util.function.Supplier<Throwable> eventFailure;

        TestNode(String name, int index, int port, int... levels) {
            this.name = name;
            for (int l : levels) {
                infra.add(new TestInfra(l));
            }
            // fsync off: the tests kill processes, not machines, and the page cache survives that
            NodeSettings settings = new NodeSettings(name, clusterName, members, stateDir.resolve(name + "-log"),
                    false, stateDir.resolve(name + ".bin"), Duration.ofSeconds(10), Duration.ofSeconds(5),
                    logCompactBytes, checkpointEntries, batchGap);
            boolean secured = transportTls.test(index);
            try {
                tls = NodeTls.load(identities.apply(index), name, TLS_POLL);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            node = new ClusterNode(settings, tls, () -> {
                channel = new JChannel(new ByteArrayInputStream(stack(port, secured)
                        .getBytes(StandardCharsets.UTF_8)));
                if (secured) {
                    tls.secure(channel);
                }
                withTestTimings(channel);
                if (losePreVotes) {
                    channel.getProtocolStack().insertProtocolInStack(new LosePreVotes(),
                            channel.getProtocolStack().findProtocol(org.jgroups.protocols.raft.election.BaseElection.class),
                            org.jgroups.stack.ProtocolStack.Position.BELOW);
                }
                if (xmitMillis > 0) {
                    channel.getProtocolStack().<org.jgroups.protocols.pbcast.NAKACK2>findProtocol(
                            org.jgroups.protocols.pbcast.NAKACK2.class).setXmitInterval(xmitMillis);
                    channel.getProtocolStack().<org.jgroups.protocols.UNICAST3>findProtocol(
                            org.jgroups.protocols.UNICAST3.class).setXmitInterval(xmitMillis);
                }
                return channel;
            }, infra, (topic, props) -> {
                java.util.function.Supplier<Throwable> failure = eventFailure;
                if (failure != null) {
                    Throwable t = failure.get();
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw (RuntimeException) t;
                }
                events.add(topic + " " + props.get());
            });
            versions = new VersionNegotiator(node);
            autoAdjuster = new AutoAdjuster(node, versions);
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

        /** this node's RAFT, null once its channel is gone */
        public org.jgroups.protocols.raft.RAFT raft() {
            JChannel ch = channel;
            return ch == null ? null : ch.getProtocolStack().findProtocol(org.jgroups.protocols.raft.RAFT.class);
        }

        /** the voters of this node's log */
        public List<String> voters() {
            org.jgroups.protocols.raft.RAFT raft = raft();
            return raft == null ? List.of() : raft.members();
        }

        /** whether this node leads the cluster log now */
        public boolean isLeader() {
            org.jgroups.protocols.raft.RAFT raft = raft();
            return raft != null && raft.isLeader();
        }

        /** this node's commit index in the cluster log (entries up to it may still be applying) */
        public long commitIndex() {
            org.jgroups.protocols.raft.RAFT raft = raft();
            return raft == null ? -1 : raft.commitIndex();
        }

        /**
         * This node's replicated state as a snapshot of it holds it (the log's state machine writes it), with the
         * commit index it was written at, or -1 if the commit index moved meanwhile.
         */
        public ReplicatedState replicatedState() throws Exception {
            org.jgroups.protocols.raft.RAFT raft = raft();
            if (raft == null) {
                return new ReplicatedState(name, -1, new byte[0]);
            }
            long before = raft.commitIndex();
            org.jgroups.util.ByteArrayDataOutputStream out = new org.jgroups.util.ByteArrayDataOutputStream(4096, true);
            raft.stateMachine().writeContentTo(out);
            long after = raft.commitIndex();
            return new ReplicatedState(name, before == after ? after : -1,
                    java.util.Arrays.copyOf(out.buffer(), out.position()));
        }

        /** the DISCARD put into the stack by the cluster's faults */
        public DISCARD discard() {
            DISCARD discard = channel.getProtocolStack().findProtocol(DISCARD.class);
            if (discard == null) {
                throw new IllegalStateException("start the cluster with DISCARD in its faults");
            }
            return discard;
        }

        /** closes the channel without the orderly goodbye, as a crash would */
        public void crash() {
            autoAdjuster.close();
            channel.close();
            running.remove(name);
        }

        public void stop() {
            autoAdjuster.close();
            node.close();
            running.remove(name);
        }
    }

    /** a node's replicated state, written as its snapshot would be, at a commit index (-1: it moved meanwhile) */
    public record ReplicatedState(String node, long commitIndex, byte[] bytes) {
        /** where the two differ first, -1 if they are equal */
        public int firstDifference(ReplicatedState other) {
            return java.util.Arrays.mismatch(bytes, other.bytes);
        }

        @Override
        public String toString() {
            return node + " at " + commitIndex + ": " + bytes.length + " bytes, hash "
                    + Integer.toHexString(java.util.Arrays.hashCode(bytes));
        }
    }

    private final String clusterName;
    private final Path stateDir;
    private final String faults;
    private boolean losePreVotes;
    private final int[] ports;
    /** every node of the cluster votes in its log: node1..nodeN */
    private final List<String> members = new ArrayList<>();
    /** per node index: the node's TLS folder (NodeCertificate); by default from the cluster's own CA */
    private java.util.function.IntFunction<Path> identities = this::defaultIdentity;
    /** per node index: whether its transport runs the shipped mutual TLS, or plain TCP */
    private java.util.function.IntPredicate transportTls = i -> false;
    /** how often TLS nodes look at their files: rotation tests wait for it on every node */
    public static final Duration TLS_POLL = Duration.ofMillis(300);
    private long logCompactBytes = org.cutover.core.internal.NodeSettings.DEFAULT_LOG_COMPACT_BYTES;
    private int checkpointEntries = org.cutover.core.internal.NodeSettings.DEFAULT_LOG_CHECKPOINT_ENTRIES;
    private Duration batchGap = org.cutover.core.internal.NodeSettings.DEFAULT_LOG_BATCH_GAP;
    /** 0: the shipped retransmission intervals */
    private long xmitMillis;
    /** synchronized: a test's own threads (a switcher, say) read it while the test crashes and starts nodes */
    private final Map<String, TestNode> running = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    /** what the nodes posted to EventAdmin; read while nodes post, so copy-on-write (streams need no lock) */
    public final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param faults protocol XML elements put above the transport, e.g. {@code <SHUFFLE up="true" down="false"/>}
     */
    public TestCluster(String name, int maxNodes, String faults) throws IOException {
        this(name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime(), Path.of("target", "test-state",
                name), java.util.stream.IntStream.range(0, maxNodes).map(i -> FreePorts.next()).toArray(), faults);
        deleteRecursively(stateDir);
        Files.createDirectories(stateDir);
    }

    private TestCluster(String clusterName, Path stateDir, int[] ports, String faults) {
        this.clusterName = clusterName;
        this.stateDir = stateDir;
        this.faults = faults;
        this.ports = ports;
        for (int i = 0; i < ports.length; i++) {
            members.add("node" + (i + 1));
        }
    }

    /** the cluster as a node in another process sees it ({@link NodeProcess}): the same name, folder and ports */
    static TestCluster attach(String clusterName, Path stateDir, int[] ports) {
        return new TestCluster(clusterName, stateDir, ports, "");
    }

    String clusterName() {
        return clusterName;
    }

    int[] ports() {
        return ports.clone();
    }

    public TestCluster(String name, int maxNodes) throws IOException {
        this(name, maxNodes, "");
    }

    /**
     * Starts node number {@code index} (0-based) with these levels and, once a majority of the defined nodes
     * runs, waits until every running node has the cluster state. A node started while fewer run cannot have
     * it yet (the log has no leader without a majority): it is returned at once, and the start that makes the
     * majority waits for it too.
     */
    public TestNode start(int index, int... levels) throws Exception {
        TestNode n = launch(index, levels);
        if (running.size() >= members.size() / 2 + 1) {
            for (TestNode r : running()) {
                awaitSynced(r);
            }
        }
        return n;
    }

    /** starts node number {@code index} without waiting: it is in the cluster once a majority runs */
    public TestNode launch(int index, int... levels) throws Exception {
        TestNode n = new TestNode("node" + (index + 1), index, ports[index], levels);
        n.node.start();
        n.autoAdjuster.start();
        running.put(n.name, n);
        return n;
    }

    /**
     * A channel in the view under the name of node number {@code index}, as that node's previous run looks until
     * failure detection excludes it (a process killed a moment ago): the shipped stack on a port of its own, its
     * RAFT with an empty log in memory. The caller closes it.
     */
    public JChannel previousRun(int index) throws Exception {
        JChannel ch = new JChannel(new java.io.ByteArrayInputStream(stack(FreePorts.next(), false)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        withTestTimings(ch);
        ch.getProtocolStack().<org.jgroups.protocols.raft.RAFT>findProtocol(org.jgroups.protocols.raft.RAFT.class)
                .raftId(members.get(index)).members(members)
                .logClass(org.jgroups.protocols.raft.InMemoryLog.class.getName())
                .logPrefix(clusterName + "-previous-" + members.get(index));
        new org.jgroups.raft.RaftHandle(ch, new org.jgroups.raft.StateMachine() {
            @Override
            public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
                return null;
            }

            @Override
            public void readContentFrom(java.io.DataInput in) {
            }

            @Override
            public void writeContentTo(java.io.DataOutput out) {
            }
        });
        ch.setName(members.get(index));
        ch.connect(clusterName);
        return ch;
    }

    /**
     * Every live node's whole replicated state (nodes, groups, levels, epochs, history, ACL, authors' keys), byte
     * for byte as a snapshot would hold it, at one commit index. Not a digest of what the members saw: a node
     * whose state the log's repair got wrong (a snapshot of the wrong index, an entry applied twice) shows here.
     */
    public void awaitOneReplicatedState() {
        java.util.concurrent.atomic.AtomicReference<List<ReplicatedState>> last =
                new java.util.concurrent.atomic.AtomicReference<>(List.of());
        Await.until("every live node with one replicated state", WAIT, () -> {
            List<ReplicatedState> states = new ArrayList<>();
            for (TestNode n : running()) {
                try {
                    states.add(n.replicatedState());
                } catch (Exception e) {
                    throw new AssertionError("the state of " + n.name + " could not be written", e);
                }
            }
            last.set(states);
            ReplicatedState first = states.get(0);
            return states.stream().allMatch(x -> x.commitIndex() >= 0 && x.commitIndex() == first.commitIndex()
                    && x.firstDifference(first) < 0);
        }, () -> last.get().stream()
                .map(x -> x + (x == last.get().get(0) ? "" : ", first difference at byte "
                        + x.firstDifference(last.get().get(0))))
                .collect(Collectors.joining("; ")) + "; " + raftStates());
    }

    public void awaitSynced(TestNode n) throws InterruptedException {
        if (!n.node.awaitSynced(WAIT)) {
            throw new AssertionError(n.name + " did not join the cluster log within " + WAIT + " (leader: "
                    + n.node.hasLeader() + "); logs: " + raftStates());
        }
    }

    /** the node's view and log, for failure messages */
    public static String raftState(TestNode n) {
        JChannel ch = n.channel();
        if (ch == null) {
            return "no channel";
        }
        org.jgroups.protocols.raft.RAFT raft = ch.getProtocolStack().findProtocol(org.jgroups.protocols.raft.RAFT.class);
        return "view " + ch.getView() + ", term " + raft.currentTerm() + ", appended/committed " + raft.lastAppended()
                + "/" + raft.commitIndex() + ", leader " + raft.leader() + ", synced " + n.node.isSynced();
    }

    /** starts nodes 0..count-1 with the same levels and waits until each sees all as ACTIVE */
    public List<TestNode> startAll(int count, int... levels) throws Exception {
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(launch(i, levels));
        }
        for (TestNode n : nodes) {
            awaitSynced(n);
        }
        awaitActive(count);
        return nodes;
    }

    public void awaitActive(int count) {
        for (TestNode n : running()) {
            Await.until(n.name + " to see " + count + " ACTIVE nodes", WAIT,
                    () -> n.node.definedNodes().stream().filter(d -> d.status() == org.cutover.api.NodeStatus.ACTIVE)
                            .count() == count && n.node.nodesInView().size() == count,
                    () -> n.node.definedNodes() + " in view " + n.node.nodesInView());
        }
    }

    /** the running node that leads the cluster log now, if any */
    public java.util.Optional<TestNode> leader() {
        return running().stream().filter(TestNode::isLeader).findFirst();
    }

    /** each running node's view of the cluster log: role, term, leader, last appended and commit index */
    public String raftStates() {
        StringBuilder b = new StringBuilder();
        for (TestNode n : running()) {
            JChannel ch = n.channel();
            org.jgroups.protocols.raft.RAFT r = ch == null ? null
                    : ch.getProtocolStack().findProtocol(org.jgroups.protocols.raft.RAFT.class);
            b.append(n.name).append(r == null ? " closed" : " " + r.role() + " term " + r.currentTerm() + " leader "
                    + r.leader() + " appended " + r.lastAppended() + " committed " + r.commitIndex() + " voters "
                    + r.members() + " view "
                    + ch.getView()).append("; ");
        }
        return b.toString();
    }

    /** splits the network: no node of {@code a} hears a node of {@code b} and vice versa (needs DISCARD) */
    public void split(java.util.Collection<TestNode> a, java.util.Collection<TestNode> b) {
        for (TestNode x : a) {
            for (TestNode y : b) {
                x.discard().addIgnoreMember(y.channel().getAddress());
                y.discard().addIgnoreMember(x.channel().getAddress());
            }
        }
    }

    /** undoes a {@link #split} between two nodes only */
    public void heal(TestNode a, TestNode b) {
        a.discard().removeIgnoredMember(b.channel().getAddress());
        b.discard().removeIgnoredMember(a.channel().getAddress());
    }

    /** takes every DISCARD fault off the running nodes: ignored members, discard-all and loss rates */
    public void heal() {
        for (TestNode n : running()) {
            DISCARD d = n.discard();
            d.resetIgnoredMembers();
            d.discardAll(false);
            d.setUpDiscardRate(0);
            d.setDownDiscardRate(0);
        }
    }

    public TestNode node(String name) {
        return running.get(name);
    }

    public List<TestNode> running() {
        synchronized (running) {
            return new ArrayList<>(running.values());
        }
    }

    /**
     * Retransmission (NAKACK2, UNICAST3) every {@code millis} instead of the shipped defaults (1 s, 500 ms): for
     * tests that drop messages on purpose, where every lost hop otherwise waits for the shipped interval.
     */
    public TestCluster retransmitEvery(long millis) {
        this.xmitMillis = millis;
        return this;
    }

    /** every pre-vote request of ELECTION2 is lost ({@link LosePreVotes}): only a vote started otherwise elects */
    public TestCluster losePreVotes() {
        this.losePreVotes = true;
        return this;
    }

    /** only the first {@code count} nodes are named in cluster.members: the others start as learners */
    public TestCluster votersAtStart(int count) {
        members.subList(count, members.size()).clear();
        return this;
    }

    /** nodes started after this wait so long after an entry before a small batch of sendAsync data goes */
    public TestCluster batchGap(Duration gap) {
        this.batchGap = gap;
        return this;
    }

    /** how many log entries apart nodes write checkpoints of their replicas (NodeSettings.logCheckpointEntries) */
    public TestCluster checkpointEvery(int entries) {
        this.checkpointEntries = entries;
        return this;
    }

    /** the log size above which nodes cut their logs into snapshots (NodeSettings.logCompactBytes) */
    public TestCluster compactLogAbove(long bytes) {
        this.logCompactBytes = bytes;
        return this;
    }

    /**
     * Each node index's TLS folder (ca.crt, node.crt, node.key), and mutual TLS on the transport of the nodes
     * {@code secured} names (the others run plain TCP, which no TLS node accepts). Without this call every node
     * has a certificate of the cluster's own CA, which signs its log entries, and runs the shipped stack on plain
     * TCP: TLS adds a handshake per connection and a cipher per frame that the tests of order and faults do not
     * need.
     */
    public TestCluster tls(java.util.function.IntFunction<Path> perNode, java.util.function.IntPredicate secured) {
        this.identities = perNode;
        this.transportTls = secured;
        return this;
    }

    /** mutual TLS for every node: certificates node1..nodeN from the CA in {@code ca}, made now */
    public TestCluster tls(Path ca) throws IOException {
        for (int i = 0; i < ports.length; i++) {
            TestCertificates.node(ca, "node" + (i + 1), tlsDir(i));
        }
        return tls(this::tlsDir, i -> true);
    }

    /** node number {@code index}'s TLS folder */
    public Path tlsDir(int index) {
        return stateDir.resolve("tls").resolve("node" + (index + 1));
    }

    /** node number {@code index}'s certificate of the cluster's own CA, made when first needed */
    private Path defaultIdentity(int index) {
        Path dir = tlsDir(index);
        try {
            synchronized (this) {
                if (!Files.exists(dir.resolve("node.key"))) {
                    Path ca = stateDir.resolve("tls").resolve("ca");
                    if (!Files.exists(ca.resolve("ca.key"))) {
                        TestCertificates.ca(ca);
                    }
                    TestCertificates.node(ca, "node" + (index + 1), dir);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    /** the JGroups TCP port of node number {@code index} */
    public int port(int index) {
        return ports[index];
    }

    public Path stateDir() {
        return stateDir;
    }

    /** the distribution's stack file: the one source of the protocols and their order */
    static final Path SHIPPED_STACK = Path.of("..", "..", "karaf-assembly", "src", "main", "resources", "assembly",
            "etc", "cutover-jgroups.xml");

    /**
     * The shipped stack for one in-JVM node: its port and the cluster's hosts in place of the system properties
     * (one JVM, many nodes), the faults just above the transport, and TLS on or off.
     */
    String stack(int port, boolean tls) {
        String hosts = Stream.of(ports).flatMapToInt(java.util.Arrays::stream)
                .mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(","));
        String xml;
        try {
            xml = Files.readString(SHIPPED_STACK);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the shipped stack " + SHIPPED_STACK.toAbsolutePath(), e);
        }
        // join_timeout: a joiner that hears no JOIN_RSP within it asks again, and raft.NO_DUPES (1.1.4) refuses
        // the second JOIN_REQ of a joiner already in the view ("duplicate members"): 500 ms was too short on a
        // loaded 2-core machine
        xml = xml.replaceAll("\\$\\{cutover\\.bind_addr:[^}]*}", "127.0.0.1")
                .replaceAll("\\$\\{cutover\\.bind_port:[^}]*}", Integer.toString(port))
                .replaceAll("\\$\\{cutover\\.initial_hosts:[^}]*}", java.util.regex.Matcher.quoteReplacement(hosts))
                .replaceAll("\\$\\{cutover\\.join_timeout_ms:[^}]*}", "1500")
                .replace("tls.enabled=\"true\"", "tls.enabled=\"" + tls + "\"")
                .replaceFirst("(?s)(<org\\.cutover\\.jgroups\\.tcp\\.CoalescingTCP\\s.*?/>)",
                        "$1" + java.util.regex.Matcher.quoteReplacement(faults));
        if (xml.contains("${")) {
            throw new IllegalStateException("the shipped stack has a property the tests do not set: " + xml);
        }
        return xml;
    }

    /**
     * Failure detection and merging faster than shipped (FD_ALL3 15 s, MERGE3 max_interval 5 s), so fault tests
     * finish in seconds; the protocols and everything else are the shipped ones.
     */
    static void withTestTimings(JChannel ch) {
        org.jgroups.stack.ProtocolStack st = ch.getProtocolStack();
        st.<org.jgroups.protocols.FD_ALL3>findProtocol(org.jgroups.protocols.FD_ALL3.class).setTimeout(3000)
                .setInterval(1000);
        st.<org.jgroups.protocols.MERGE3>findProtocol(org.jgroups.protocols.MERGE3.class).setMinInterval(1000)
                .setMaxInterval(3000);
        st.<org.jgroups.protocols.VERIFY_SUSPECT2>findProtocol(org.jgroups.protocols.VERIFY_SUSPECT2.class)
                .setTimeout(500);
        // -Dcluster.vote.timeout=MS: vote rounds that time out often, so that answers to a round arrive during the
        // next one (a slow network's way; the shipped 600 ms seldom times out in one JVM)
        long voteTimeout = Long.getLong("cluster.vote.timeout", 0);
        if (voteTimeout > 0) {
            st.<org.jgroups.protocols.raft.election.BaseElection>findProtocol(
                    org.jgroups.protocols.raft.election.BaseElection.class).voteTimeout(voteTimeout);
        }
    }

    @Override
    public void close() {
        List<TestNode> nodes = running();
        java.util.Collections.reverse(nodes);
        for (TestNode n : nodes) {
            try {
                n.autoAdjuster.close();
                n.node.close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        running.clear();
    }

    public static void deleteRecursively(Path dir) throws IOException {
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
