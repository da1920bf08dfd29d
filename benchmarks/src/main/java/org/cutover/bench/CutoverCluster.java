package org.cutover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.api.NodeStatus;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.InfraLevels;
import org.cutover.core.internal.NodeSettings;
import org.cutover.core.internal.version.VersionNegotiator;
import org.cutover.infra.internal.level1.Level1Protocol;
import org.cutover.infra.internal.level2.Level2Protocol;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;

/**
 * Cutover nodes in this JVM, built as core's TestCluster builds them (the
 * shipped stack, every node a voting member of the cluster log), but with
 * the real infrastructure levels (infra 2.0.0's Level1Protocol and
 * Level2Protocol), the shipped failure-detection timings and the logs under
 * benchmarks/target/.
 */
final class CutoverCluster implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** the nodes' log.batch.gap.ms: the shipped default unless -Dbench.batch.gap.ms says otherwise */
    static final Duration BATCH_GAP = Duration.ofMillis(Long.getLong("bench.batch.gap.ms",
            NodeSettings.DEFAULT_LOG_BATCH_GAP.toMillis()));

    final List<ClusterNode> nodes = new ArrayList<>();
    final List<VersionNegotiator> versions = new ArrayList<>();
    final List<JChannel> channels = new ArrayList<>();
    /** per node: builds it again on the same log (a restart), checkpointing every N entries */
    private final List<java.util.function.IntFunction<ClusterNode>> builders = new ArrayList<>();
    /** per node: the channel of its current incarnation */
    final java.util.Map<Integer, JChannel> current = new java.util.concurrent.ConcurrentHashMap<>();

    private CutoverCluster() {
    }

    static CutoverCluster start(String name, int size, Path stateRoot) throws Exception {
        return start(name, size, stateRoot, false);
    }

    /**
     * @param discard a DISCARD protocol just above the transport of every node, for {@link #split} and
     *                {@link #heal}: the network's faults, below everything Cutover and JGroups' membership run
     */
    static CutoverCluster start(String name, int size, Path stateRoot, boolean discard) throws Exception {
        return start(name, size, stateRoot, discard, Stack.shipped(size));
    }

    /** on {@code stack}: {@link Stack#shipped(int, boolean)} with TLS on or off */
    static CutoverCluster start(String name, int size, Path stateRoot, boolean discard, Stack stack)
            throws Exception {
        String clusterName = name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path dir = stateRoot.resolve(name);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        // every node votes in the cluster log: node1..nodeN
        List<String> members = IntStream.rangeClosed(1, size).mapToObj(i -> "node" + i).toList();
        CutoverCluster c = new CutoverCluster();
        try {
            for (int i = 0; i < size; i++) {
                String nodeName = "node" + (i + 1);
                // fsync off: the benchmark measures the ordering, not the disk (and kills no machine); the log
                // still lives in a file of its own per node. No legacy state: the path does not exist, so
                // nothing is imported.
                int index = i;
                org.cutover.core.internal.tls.NodeTls tls = org.cutover.core.internal.tls.NodeTls.load(
                        Stack.certificates(nodeName), nodeName, Duration.ofHours(1));
                java.util.function.IntFunction<ClusterNode> build = checkpointEntries -> {
                    NodeSettings settings = new NodeSettings(nodeName, clusterName, members,
                            dir.resolve(nodeName + "-log"), false, dir.resolve(nodeName + "-no-legacy-state.bin"),
                            Duration.ofSeconds(10), Duration.ofSeconds(5), NodeSettings.DEFAULT_LOG_COMPACT_BYTES,
                            checkpointEntries, BATCH_GAP);
                    InfraLevels infra = new InfraLevels();
                    infra.add(new Level1Protocol());
                    infra.add(new Level2Protocol());
                    return new ClusterNode(settings, tls, () -> {
                        JChannel ch = stack.channel(index);
                        if (discard) {
                            DISCARD d = new DISCARD();
                            ch.getProtocolStack().insertProtocol(d, ProtocolStack.Position.ABOVE, TP.class);
                            try {
                                d.init();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        synchronized (c.channels) {
                            c.channels.add(ch);
                        }
                        c.current.put(index, ch);
                        return ch;
                    }, infra, (topic, props) -> { });
                };
                c.builders.add(build);
                ClusterNode node = build.apply(NodeSettings.DEFAULT_LOG_CHECKPOINT_ENTRIES);
                c.nodes.add(node);
                c.versions.add(new VersionNegotiator(node));
                node.start();
            }
            // only now wait: a node started alone has no majority of the members, hence no leader and no state;
            // the cluster log works once a majority runs, so every node is launched before any is waited for
            for (ClusterNode node : c.nodes) {
                if (!node.awaitSynced(WAIT)) {
                    throw new IllegalStateException(node.localNode() + " did not learn the cluster state within "
                            + WAIT + " (leader: " + node.hasLeader() + ")");
                }
            }
            c.awaitActive(size);
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void awaitActive(int size) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (ClusterNode n : nodes) {
            while (n.definedNodes().stream().filter(d -> d.status() == NodeStatus.ACTIVE).count() != size
                    || n.nodesInView().size() != size) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(n.localNode() + " does not see " + size + " ACTIVE nodes: "
                            + n.definedNodes() + " in view " + n.nodesInView());
                }
                Thread.sleep(20);
            }
        }
    }

    /** no node of {@code a} hears a node of {@code b} and vice versa; needs the cluster started with DISCARD */
    void split(List<Integer> a, List<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                discard(x).addIgnoreMember(current.get(y).getAddress());
                discard(y).addIgnoreMember(current.get(x).getAddress());
            }
        }
    }

    void heal() {
        current.keySet().forEach(i -> discard(i).resetIgnoredMembers());
    }

    private DISCARD discard(int i) {
        DISCARD d = current.get(i).getProtocolStack().findProtocol(DISCARD.class);
        if (d == null) {
            throw new IllegalStateException("the cluster was started without DISCARD");
        }
        return d;
    }

    private org.jgroups.protocols.raft.RAFT raft(int i) {
        return current.get(i).getProtocolStack().findProtocol(org.jgroups.protocols.raft.RAFT.class);
    }

    /** node {@code i}'s RAFT commit index now */
    long commitIndex(int i) {
        return raft(i).commitIndex();
    }

    /** node {@code i}'s last appended log index */
    long lastAppended(int i) {
        return raft(i).lastAppended();
    }

    /** the sizes in bytes of node {@code i}'s log entries after {@code from} up to {@code to} */
    List<Integer> entrySizes(int i, long from, long to) {
        org.jgroups.protocols.raft.RAFT raft = raft(i);
        List<Integer> sizes = new ArrayList<>();
        for (long index = from + 1; index <= to; index++) {
            org.jgroups.protocols.raft.LogEntry e = raft.log().get(index);
            if (e != null) {
                sizes.add(e.length());
            }
        }
        return sizes;
    }

    /** node {@code i}'s log after its last snapshot, what a restart replays: "N entries, M bytes" */
    String logAfterSnapshot(int i) {
        org.jgroups.protocols.raft.RAFT raft = raft(i);
        return raft.logSize() + " entries, " + raft.logSizeInBytes() + " bytes";
    }

    /** the index of the checkpoint node {@code i} restored at its last start, 0 if none */
    long checkpointRestored(int i) {
        return (Long) raft(i).getValue("checkpointRestored");
    }

    /** the members of node {@code i}'s current view */
    int viewSize(int i) {
        org.jgroups.View v = current.get(i).getView();
        return v == null ? 0 : v.size();
    }

    /** whether node {@code i} leads the cluster log now */
    boolean leads(int i) {
        JChannel ch = current.get(i);
        org.jgroups.protocols.raft.RAFT raft = ch == null ? null
                : ch.getProtocolStack().findProtocol(org.jgroups.protocols.raft.RAFT.class);
        return raft != null && raft.isLeader();
    }

    /**
     * Node {@code i} dies as a killed process would: its protocol stack stops at once (sockets closed, no
     * leave), so the others learn of it from their failure detection. Its node object is closed in the
     * background afterwards, only to stop its threads.
     */
    void kill(int i) {
        JChannel ch = current.get(i);
        ch.getProtocolStack().stopStack(ch.getClusterName());
        ClusterNode dead = nodes.get(i);
        Thread closer = new Thread(dead::close, "close-" + dead.localNode());
        closer.setDaemon(true);
        closer.start();
    }

    /** node {@code i} starts again on its log; returns once it is part of the cluster again */
    ClusterNode restart(int i) throws Exception {
        return restart(i, NodeSettings.DEFAULT_LOG_CHECKPOINT_ENTRIES);
    }

    /** @param checkpointEntries the node's {@code log.checkpoint.entries}: 0 replays its log from the snapshot */
    ClusterNode restart(int i, int checkpointEntries) throws Exception {
        ClusterNode node = builders.get(i).apply(checkpointEntries);
        nodes.set(i, node);
        versions.set(i, new VersionNegotiator(node));
        node.start();
        if (!node.awaitSynced(WAIT)) {
            throw new IllegalStateException(node.localNode() + " did not rejoin within " + WAIT);
        }
        return node;
    }

    /** one member per node in each group; returns the handles in node order */
    List<Group> joinEverywhere(String group, java.util.function.IntFunction<GroupListener> listener) {
        List<Group> members = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            members.add(nodes.get(i).join(group, listener.apply(i)));
        }
        return members;
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).close();
            } catch (RuntimeException e) {
                System.err.println("closing " + nodes.get(i).localNode() + ": " + e);
            }
        }
        synchronized (channels) {
            for (JChannel ch : channels) {
                ch.close(); // already closed by the node unless its start failed half-way
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
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
