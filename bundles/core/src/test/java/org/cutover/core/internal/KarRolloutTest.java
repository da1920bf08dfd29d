package org.cutover.core.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.cutover.api.Group;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.Phase;
import org.cutover.api.version.UpgradeStatus.State;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.cutover.core.internal.upgrade.FeatureInstaller;
import org.cutover.core.internal.upgrade.NodeUpgrader;
import org.cutover.core.internal.upgrade.RollingUpgrades;
import org.cutover.core.internal.wire.Envelope.Kar;
import org.junit.After;
import org.junit.Test;

/**
 * Issue 12, item 7, on 3 in-JVM nodes: a feature no node has comes in a KAR given to one node. Its bytes reach
 * every node through the log, each takes them (checked against their SHA-256) before it installs the feature; a
 * dry run only checks; a node set up again later takes the same bytes from the log when it heals. A KAR not signed
 * by the cluster CA is refused where it is asked.
 */
public class KarRolloutTest {

    private static final String FEATURE = "cutover-infra/2.0.0";
    private static final byte[] KAR = "the KAR's bytes, as the operator gave them".getBytes(StandardCharsets.UTF_8);

    private final List<NodeUpgrader> upgraders = new ArrayList<>();
    /** "node deliver|simulate|install feature", in the order they ran */
    private final List<String> steps = new CopyOnWriteArrayList<>();
    /** the bytes each node took */
    private final Map<String, byte[]> taken = new ConcurrentHashMap<>();

    @After
    public void closeUpgraders() {
        upgraders.forEach(NodeUpgrader::close);
    }

    /** a node whose repositories know the feature only once it took the KAR (as Karaf's) */
    private FeatureInstaller installer(TestNode n) {
        return new FeatureInstaller() {
            @Override
            public Installed deliver(Kar kar, String feature, boolean simulate) {
                if (!Kar.sha256Of(kar.bytes()).equals(kar.sha256())) {
                    throw new IllegalStateException("bytes that do not match their SHA-256");
                }
                steps.add(n.name + (simulate ? " simulate " : " deliver ") + feature);
                if (!simulate) {
                    taken.put(n.name, kar.bytes());
                }
                return new Installed((simulate ? "would take " : "took ") + kar, Set.of());
            }

            @Override
            public Installed install(String feature, boolean simulate) {
                if (!taken.containsKey(n.name)) {
                    throw new IllegalStateException("no feature " + feature + " in this node's feature repositories");
                }
                steps.add(n.name + " install " + feature);
                new Thread(() -> {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (n.infra.protocol(2).isEmpty()) {
                        n.infra.add(new TestInfra(2));
                    }
                }).start();
                return new Installed("installed " + feature, Set.of(2));
            }
        };
    }

    private static UpgradeStatus awaitState(TestNode n, String id, State state) {
        Await.until(n.name + " seeing upgrade " + id + " " + state, TestCluster.WAIT,
                () -> n.node.read(ClusterState::upgrade).map(u -> u.id().equals(id) && u.state() == state)
                        .orElse(false), () -> n.node.read(ClusterState::upgrade));
        return n.node.read(ClusterState::upgrade).orElseThrow();
    }

    @Test
    public void aKarReachesEveryNodeThroughTheLogBeforeTheInstallAndHealsANodeSetUpAgain() throws Exception {
        try (TestCluster cluster = new TestCluster("kar-rollout", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            for (TestNode n : nodes) {
                upgraders.add(new NodeUpgrader(n.node, installer(n)).start());
            }
            nodes.get(0).node.join("kv", new RecordingListener());
            java.nio.file.Path karFile = cluster.stateDir().resolve("infra.kar");
            java.nio.file.Files.write(karFile, KAR);
            byte[] signature = TestCertificates.sign(cluster.stateDir().resolve("tls/ca"), karFile);

            // signed by a CA no node trusts: refused where it is asked, nothing sent
            java.nio.file.Path otherCa = TestCertificates.ca(cluster.stateDir().resolve("other-ca"));
            byte[] foreign = TestCertificates.sign(otherCa, karFile);
            org.cutover.api.GroupException untrusted = org.junit.Assert.assertThrows(
                    org.cutover.api.GroupException.class, () -> new RollingUpgrades(nodes.get(1).node).start(FEATURE,
                            1, false, "infra.kar", KAR, foreign));
            assertEquals(org.cutover.api.ReasonCode.NOT_AUTHORIZED, untrusted.code());
            assertTrue(untrusted.getMessage(), untrusted.getMessage().contains(
                    "infra.kar is not signed by a CA this node trusts"));
            assertEquals(org.cutover.api.ReasonCode.NOT_AUTHORIZED, org.junit.Assert.assertThrows(
                    org.cutover.api.GroupException.class, () -> new RollingUpgrades(nodes.get(1).node).start(FEATURE,
                            1, false, "infra.kar", KAR, new byte[0])).code());
            assertTrue(nodes.get(0).node.read(ClusterState::upgrade).isEmpty());

            UpgradeStatus dry = new RollingUpgrades(nodes.get(1).node).start(FEATURE, 1, true, "infra.kar", KAR,
                    signature);
            UpgradeStatus simulated = awaitState(nodes.get(0), dry.id(), State.DONE);
            for (UpgradeStatus.NodeProgress p : simulated.nodes()) {
                assertEquals(p.toString(), Phase.SIMULATED, p.phase());
                assertTrue(p.detail(), p.detail().startsWith("would take KAR infra.kar (" + KAR.length + " bytes"));
            }
            assertEquals("a dry run takes nothing and installs nothing", Set.of("node1 simulate " + FEATURE,
                    "node2 simulate " + FEATURE, "node3 simulate " + FEATURE), Set.copyOf(steps));
            assertTrue(taken.isEmpty());
            steps.clear();

            UpgradeStatus started = new RollingUpgrades(nodes.get(2).node).start(FEATURE, 1, false, "infra.kar", KAR,
                    signature);
            for (TestNode n : nodes) {
                UpgradeStatus done = awaitState(n, started.id(), State.DONE);
                assertTrue(done.nodes().get(0).detail(), done.nodes().get(0).detail().startsWith(
                        "took KAR infra.kar (" + KAR.length + " bytes, SHA-256 " + Kar.sha256Of(KAR) + "); installed "
                                + FEATURE));
            }
            assertEquals("each node takes the KAR, then installs, one node after the other", List.of(
                    "node1 deliver " + FEATURE, "node1 install " + FEATURE, "node2 deliver " + FEATURE,
                    "node2 install " + FEATURE, "node3 deliver " + FEATURE, "node3 install " + FEATURE), steps);
            for (TestNode n : nodes) {
                assertArrayEquals(n.name + " took the operator's bytes", KAR, taken.get(n.name));
            }
            TestNode n1 = nodes.get(0);
            Await.until("kv at level 2 (the automatic adjust)", TestCluster.WAIT,
                    () -> n1.node.group("kv").map(g -> g.level() == 2).orElse(false), () -> n1.node.group("kv"));

            // node3 is set up again from the distribution: level 1 only, nothing taken
            upgraders.remove(2).close();
            nodes.get(2).stop();
            taken.remove("node3");
            steps.clear();
            TestNode back = cluster.start(2, 1);
            upgraders.add(new NodeUpgrader(back.node, installer(back)).start());
            Group member = back.node.join("kv", new RecordingListener());
            assertEquals("admitted at the group's level once healed", 2, member.level());
            assertEquals(List.of("node3 deliver " + FEATURE, "node3 install " + FEATURE), steps.subList(0, 2));
            assertArrayEquals(KAR, taken.get("node3"));
        }
    }
}
