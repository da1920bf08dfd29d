package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.Phase;
import org.cutover.api.version.UpgradeStatus.State;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.DeliveryLog;
import org.cutover.core.internal.testing.OrderInvariant;
import org.cutover.core.internal.testing.OrderInvariant.MemberLog;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.cutover.core.internal.upgrade.FeatureInstaller;
import org.cutover.core.internal.upgrade.NodeUpgrader;
import org.cutover.core.internal.upgrade.RollingUpgrades;
import org.junit.Test;

/**
 * The cluster-wide upgrade on 3 in-JVM nodes, each with its own {@link NodeUpgrader}; the install is the
 * infrastructure level 2 added to the node (what Karaf's feature install does through the infra bundle), after a
 * pause. Run as the log drives it: one node at a time in name order under a running stream, then the automatic
 * adjust; a starter that crashes midway; a failure that stops the rollout; an abort from another node.
 */
public class UpgradeTest {

    private static final String FEATURE = "cutover-infra/2.0.0";

    /** when each install ran, in nanos */
    private record Install(String node, long start, long end) {
    }

    private final List<Install> installs = new CopyOnWriteArrayList<>();

    /** adds level 2 to the node after {@code millis}, or fails with {@code failure} */
    private FeatureInstaller installer(TestNode n, long millis, String failure) {
        return (feature, simulate) -> {
            long start = System.nanoTime();
            Thread.sleep(millis);
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            // the level comes a moment after the install returns, as an infra bundle's component starts on its own
            new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                n.infra.add(new TestInfra(2));
            }).start();
            installs.add(new Install(n.name, start, System.nanoTime()));
            return new FeatureInstaller.Installed("installed " + feature, java.util.Set.of(2));
        };
    }

    private static UpgradeStatus awaitState(TestNode n, State state) {
        Await.until(n.name + " seeing the upgrade " + state, TestCluster.WAIT,
                () -> n.node.read(ClusterState::upgrade).map(u -> u.state() == state).orElse(false),
                () -> n.node.read(ClusterState::upgrade));
        return n.node.read(ClusterState::upgrade).orElseThrow();
    }

    private static Map<String, Phase> phases(UpgradeStatus u) {
        return u.nodes().stream().collect(Collectors.toMap(UpgradeStatus.NodeProgress::node,
                UpgradeStatus.NodeProgress::phase, (a, b) -> a, TreeMap::new));
    }

    @Test
    public void oneNodeAtATimeUnderAStreamThenTheGroupsMoveByThemselves() throws Exception {
        List<NodeUpgrader> upgraders = new ArrayList<>();
        try (TestCluster cluster = new TestCluster("upgrade-rolling", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<DeliveryLog> logs = new ArrayList<>();
            List<Group> kv = new ArrayList<>();
            for (TestNode n : nodes) {
                DeliveryLog log = new DeliveryLog(null, DeliveryLog::payloadText);
                Group g = n.node.join("kv", log);
                log.member(g.self().id());
                logs.add(log);
                kv.add(g);
                upgraders.add(new NodeUpgrader(n.node, installer(n, 200, null)).start());
            }
            for (TestNode n : nodes) {
                Await.until(n.name + " to see 3 members of kv", TestCluster.WAIT,
                        () -> n.node.group("kv").map(g -> g.members().size() == 3).orElse(false),
                        () -> n.node.group("kv"));
            }
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicReference<String> lastSent = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                for (int i = 0; sending.get(); i++) {
                    try {
                        kv.get(1).send(("m-" + i).getBytes(StandardCharsets.UTF_8));
                        lastSent.set("m-" + i);
                    } catch (GroupException e) {
                        throw new AssertionError("a send failed while nothing failed: " + e, e);
                    }
                }
            }, "upgrade-writer");
            writer.start();
            try {
                UpgradeStatus started = new RollingUpgrades(nodes.get(0).node).start(FEATURE, 1, false);
                assertEquals(State.RUNNING, started.state());
                assertEquals(List.of("node1", "node2", "node3"), started.nodes().stream()
                        .map(UpgradeStatus.NodeProgress::node).toList());
                for (TestNode n : nodes) {
                    UpgradeStatus done = awaitState(n, State.DONE);
                    assertEquals(n.name, Map.of("node1", Phase.CAPABLE, "node2", Phase.CAPABLE, "node3",
                            Phase.CAPABLE), phases(done));
                    assertTrue(done.nodes().get(2).detail(), done.nodes().get(2).detail().startsWith(
                            "installed " + FEATURE + " in "));
                    assertTrue(done.nodes().get(2).detail(), done.nodes().get(2).detail().endsWith(
                            "runs levels [1, 2]"));
                }
                assertEquals(List.of("node1", "node2", "node3"), installs.stream().map(Install::node).toList());
                for (int i = 1; i < installs.size(); i++) {
                    // the next starts only once the one before runs level 2, which comes 100 ms after its install
                    assertTrue("one at a time, each after the one before is capable: " + installs,
                            installs.get(i).start() > installs.get(i - 1).end() + 100_000_000L);
                }
                for (TestNode n : nodes) {
                    Await.until(n.name + " running kv at level 2 (the automatic adjust)", TestCluster.WAIT,
                            () -> n.node.group("kv").orElseThrow().level() == 2, () -> n.node.group("kv"));
                }
                Thread.sleep(300);
            } finally {
                sending.set(false);
                writer.join(TestCluster.WAIT.toMillis());
            }
            List<MemberLog> all = new ArrayList<>();
            for (int i = 0; i < logs.size(); i++) {
                logs.get(i).awaitMessage(nodes.get(i).name, lastSent.get());
                all.addAll(logs.get(i).logs());
            }
            OrderInvariant.Report report = OrderInvariant.check(all);
            assertEquals(report.toString(), List.of(), report.mismatches());
            List<String> outcomes = nodes.get(2).node.read(s -> s.history(Optional.empty())).stream()
                    .map(r -> r.outcome()).toList();
            assertTrue(outcomes.toString(), outcomes.contains("UPGRADE_DONE: " + FEATURE));
        } finally {
            upgraders.forEach(NodeUpgrader::close);
        }
    }

    @Test
    public void theUpgradeGoesOnAfterItsStarterCrashesAndEndsWhenItComesBack() throws Exception {
        List<NodeUpgrader> upgraders = new ArrayList<>();
        try (TestCluster cluster = new TestCluster("upgrade-crash", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            upgraders.add(new NodeUpgrader(nodes.get(0).node, installer(nodes.get(0), 50, null)).start());
            upgraders.add(new NodeUpgrader(nodes.get(1).node, installer(nodes.get(1), 1_500, null)).start());
            upgraders.add(new NodeUpgrader(nodes.get(2).node, installer(nodes.get(2), 50, null)).start());
            new RollingUpgrades(nodes.get(2).node).start(FEATURE, 1, false);
            Await.until("node2 installing", TestCluster.WAIT, () -> phases(nodes.get(0).node.read(ClusterState::upgrade)
                    .orElseThrow()).get("node2") == Phase.INSTALLING, () -> nodes.get(0).node.read(ClusterState::upgrade));
            upgraders.get(2).close();
            nodes.get(2).crash(); // node3, which started it
            UpgradeStatus waiting = null;
            long deadline = System.currentTimeMillis() + TestCluster.WAIT.toMillis();
            while (System.currentTimeMillis() < deadline) {
                waiting = nodes.get(0).node.read(ClusterState::upgrade).orElseThrow();
                if (phases(waiting).get("node2") == Phase.CAPABLE) {
                    break;
                }
                Thread.sleep(20);
            }
            assertEquals("node2 went on without the starter: " + waiting, Map.of("node1", Phase.CAPABLE, "node2",
                    Phase.CAPABLE, "node3", Phase.WAITING), phases(waiting));
            assertEquals(State.RUNNING, waiting.state());
            // node2 applies the entry that made it capable when the log tells it of the commit, after node1 may have
            UpgradeStatus seenOnNode1 = waiting;
            Await.until("node2 sees what node1 sees: " + seenOnNode1, TestCluster.WAIT,
                    () -> seenOnNode1.equals(nodes.get(1).node.read(ClusterState::upgrade).orElseThrow()),
                    () -> nodes.get(1).node.read(ClusterState::upgrade));

            TestNode back = cluster.launch(2, 1);
            upgraders.add(new NodeUpgrader(back.node, installer(back, 50, null)).start());
            for (TestNode n : List.of(nodes.get(0), nodes.get(1), back)) {
                assertEquals(Phase.CAPABLE, phases(awaitState(n, State.DONE)).get("node3"));
            }
        } finally {
            upgraders.forEach(NodeUpgrader::close);
        }
    }

    @Test
    public void aFailureStopsTheRolloutAndAnAbortFromAnyNodeStopsTheNext() throws Exception {
        List<NodeUpgrader> upgraders = new ArrayList<>();
        try (TestCluster cluster = new TestCluster("upgrade-stop", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            AtomicReference<String> node2Failure = new AtomicReference<>("no feature " + FEATURE + " in system/");
            upgraders.add(new NodeUpgrader(nodes.get(0).node, installer(nodes.get(0), 50, null)).start());
            TestNode n2 = nodes.get(1);
            upgraders.add(new NodeUpgrader(n2.node, (feature, simulate) -> {
                if (node2Failure.get() != null) {
                    throw new IllegalStateException(node2Failure.get());
                }
                return installer(n2, 1_500, null).install(feature, simulate);
            }).start());
            upgraders.add(new NodeUpgrader(nodes.get(2).node, installer(nodes.get(2), 50, null)).start());

            new RollingUpgrades(nodes.get(0).node).start(FEATURE, 1, false);
            UpgradeStatus failed = awaitState(nodes.get(2), State.FAILED);
            assertEquals(Map.of("node1", Phase.CAPABLE, "node2", Phase.FAILED, "node3", Phase.WAITING),
                    phases(failed));
            assertEquals("no feature " + FEATURE + " in system/", failed.nodes().get(1).detail());
            Thread.sleep(1_500); // node3's upgrader polls every second: it must not start after a failure
            assertEquals(List.of("node1"), installs.stream().map(Install::node).toList());
            assertEquals(1, nodes.get(2).infra.levels().size());

            node2Failure.set(null);
            new RollingUpgrades(nodes.get(1).node).start(FEATURE, 1, false);
            Await.until("node2 installing again", TestCluster.WAIT, () -> phases(nodes.get(2).node.read(
                    ClusterState::upgrade).orElseThrow()).get("node2") == Phase.INSTALLING,
                    () -> nodes.get(2).node.read(ClusterState::upgrade));
            UpgradeStatus aborted = new RollingUpgrades(nodes.get(2).node).abort();
            assertEquals(State.ABORTED, aborted.state());
            try {
                new RollingUpgrades(nodes.get(0).node).abort();
                fail("nothing runs to abort");
            } catch (GroupException e) {
                assertEquals(ReasonCode.UPGRADE_IN_PROGRESS, e.code());
            }
            Await.until("node2 saying how its install ended", TestCluster.WAIT, () -> phases(nodes.get(0).node.read(
                    ClusterState::upgrade).orElseThrow()).get("node2") == Phase.CAPABLE,
                    () -> nodes.get(0).node.read(ClusterState::upgrade));
            Thread.sleep(1_500);
            UpgradeStatus end = nodes.get(0).node.read(ClusterState::upgrade).orElseThrow();
            assertEquals(State.ABORTED, end.state());
            assertEquals(Phase.WAITING, phases(end).get("node3"));
            assertFalse("node3 never installed", installs.stream().anyMatch(i -> i.node().equals("node3")));
        } finally {
            upgraders.forEach(NodeUpgrader::close);
        }
    }
}
