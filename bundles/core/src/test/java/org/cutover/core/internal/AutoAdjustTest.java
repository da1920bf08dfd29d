package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.DeliveryLog;
import org.cutover.core.internal.testing.OrderInvariant;
import org.cutover.core.internal.testing.OrderInvariant.Entry;
import org.cutover.core.internal.testing.OrderInvariant.MemberLog;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.junit.Test;

/**
 * Issue 12's automatic adjust on three in-JVM nodes: when every defined node
 * can run a higher level, the groups no one holds go to it in one ordered
 * adjust that the history names {@code auto@NODE}; a held group stays, and
 * while a check fails nothing moves and the check says why.
 */
public class AutoAdjustTest {

    @Test
    public void theLastNodeToRunALevelMovesEveryGroupNobodyHoldsAtOnePointOfTheStream() throws Exception {
        try (TestCluster cluster = new TestCluster("auto-last", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<DeliveryLog> logs = new ArrayList<>();
            List<Group> free = new ArrayList<>();
            for (TestNode n : nodes) {
                DeliveryLog log = new DeliveryLog(null, DeliveryLog::payloadText);
                Group g = n.node.join("free", log);
                log.member(g.self().id());
                logs.add(log);
                free.add(g);
                n.node.join("kept", new DeliveryLog());
            }
            awaitMembers(nodes, "free", 3);
            awaitMembers(nodes, "kept", 3);
            nodes.get(2).node.hold(true, List.of("kept"));
            for (TestNode n : nodes) {
                Await.until(n.name + " to see kept held", TestCluster.WAIT,
                        () -> n.node.group("kept").orElseThrow().held(), () -> n.node.group("kept"));
            }

            // the stream goes on while the nodes install: the adjust must land at one point of it everywhere
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicReference<String> lastSent = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                for (int i = 0; sending.get(); i++) {
                    try {
                        free.get(1).send(("m-" + i).getBytes(StandardCharsets.UTF_8));
                        lastSent.set("m-" + i);
                    } catch (GroupException e) {
                        throw new AssertionError("a send failed while nothing failed: " + e, e);
                    }
                }
            }, "auto-writer");
            writer.start();
            try {
                for (TestNode n : nodes.subList(0, 2)) {
                    n.infra.add(new TestInfra(2));
                    awaitCapability(nodes, n.name, 2);
                }
                // two of three run level 2: the potential level is still 1, nothing to raise, and the check says why
                CheckResult blocked = nodes.get(0).versions.check(VersionRequest.of(2, "free"));
                assertEquals(blocked.toString(), List.of(ReasonCode.NODE_INCAPABLE),
                        blocked.failures().stream().map(f -> f.code()).toList());
                assertEquals(List.of("node3"), blocked.failures().get(0).subjects());
                Thread.sleep(1_500); // a leadership poll and more: an adjust would have been asked by now
                for (TestNode n : nodes) {
                    assertEquals(n.name, 1, n.node.group("free").orElseThrow().level());
                }

                nodes.get(2).infra.add(new TestInfra(2));
                for (TestNode n : nodes) {
                    Await.until(n.name + " to run group free at level 2", TestCluster.WAIT,
                            () -> n.node.group("free").orElseThrow().level() == 2, () -> n.node.group("free"));
                }
                Thread.sleep(300);
            } finally {
                sending.set(false);
                writer.join(TestCluster.WAIT.toMillis());
            }

            String leader = nodes.get(0).node.leaderName().orElseThrow();
            for (TestNode n : nodes) {
                assertEquals(n.name + ": a held group stays", 1, n.node.group("kept").orElseThrow().level());
                List<AdjustRecord> history = n.node.read(s -> s.history(Optional.of("free")));
                assertEquals(n.name + "'s history " + history, 1, history.size());
                assertEquals("auto@" + leader, history.get(0).requestedBy());
                assertEquals(2, history.get(0).toLevel());
                assertEquals(List.of("free"), history.get(0).groups());
            }
            Await.until("the automatic adjust's outcome recorded", TestCluster.WAIT, () -> "APPLIED".equals(
                    nodes.get(0).node.read(s -> s.history(Optional.of("free"))).get(0).outcome()),
                    () -> nodes.get(0).node.read(s -> s.history(Optional.of("free"))));

            List<MemberLog> all = new ArrayList<>();
            for (int i = 0; i < logs.size(); i++) {
                logs.get(i).awaitMessage(nodes.get(i).name, lastSent.get());
                all.addAll(logs.get(i).logs());
            }
            OrderInvariant.Report report = OrderInvariant.check(all);
            assertEquals(report.toString(), List.of(), report.mismatches());
            for (MemberLog l : all) {
                List<Entry> adjusts = l.entries().stream().filter(e -> e.kind() == OrderInvariant.Kind.ADJUST_VERSION)
                        .toList();
                assertEquals(l.member() + " saw one adjust", 1, adjusts.size());
                int at = l.entries().indexOf(adjusts.get(0));
                assertTrue(l.member() + ": messages on both sides of the adjust (" + at + " of "
                        + l.entries().size() + ")", at > 3 && at < l.entries().size() - 1);
            }
            // the adjust sits at the same place in every member's log (same entries before it)
            List<List<Entry>> before = all.stream().map(l -> l.entries().subList(0, l.entries().indexOf(
                    l.entries().stream().filter(e -> e.kind() == OrderInvariant.Kind.ADJUST_VERSION)
                            .findFirst().orElseThrow()))).map(b -> b.stream()
                    .filter(e -> e.kind() == OrderInvariant.Kind.MESSAGE).toList()).distinct().toList();
            assertEquals("one prefix of messages before the adjust", 1, before.size());
        }
    }

    @Test
    public void aNodeThatLeftHoldsTheGroupsBackUntilItIsRemovedAndAReleaseLetsThemGo() throws Exception {
        try (TestCluster cluster = new TestCluster("auto-inactive", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            for (TestNode n : nodes.subList(0, 2)) {
                n.node.join("g", new DeliveryLog());
            }
            awaitMembers(nodes, "g", 2);
            nodes.get(0).node.hold(true, List.of());
            for (TestNode n : nodes) {
                Await.until(n.name + " to see g held", TestCluster.WAIT,
                        () -> n.node.group("g").orElseThrow().held(), () -> n.node.group("g"));
                n.infra.add(new TestInfra(2));
            }
            for (TestNode n : nodes) {
                awaitCapability(nodes, n.name, 2);
            }
            TestNode gone = nodes.get(2);
            gone.stop();
            List<TestNode> left = nodes.subList(0, 2);
            for (TestNode n : left) {
                Await.until(n.name + " to see node3 inactive", TestCluster.WAIT, () -> n.node.definedNode("node3")
                        .orElseThrow().status() == org.cutover.api.NodeStatus.INACTIVE, () -> n.node.definedNodes());
            }

            nodes.get(1).node.hold(false, List.of("g"));
            for (TestNode n : left) {
                Await.until(n.name + " to see g released", TestCluster.WAIT,
                        () -> !n.node.group("g").orElseThrow().held(), () -> n.node.group("g"));
            }
            CheckResult blocked = nodes.get(0).versions.check(VersionRequest.of(2, "g"));
            assertEquals(blocked.toString(), List.of(ReasonCode.NODE_INACTIVE),
                    blocked.failures().stream().map(f -> f.code()).toList());
            Thread.sleep(1_500);
            for (TestNode n : left) {
                assertEquals(n.name + ": an inactive node blocks the automatic adjust", 1,
                        n.node.group("g").orElseThrow().level());
                assertEquals(List.of("HOLD", "RELEASED"), n.node.read(s -> s.history(Optional.of("g"))).stream()
                        .map(AdjustRecord::outcome).toList());
            }

            nodes.get(0).node.removeNode("node3");
            for (TestNode n : left) {
                Await.until(n.name + " to run g at level 2", TestCluster.WAIT,
                        () -> n.node.group("g").orElseThrow().level() == 2, () -> n.node.group("g"));
            }
            String leader = nodes.get(0).node.leaderName().orElseThrow();
            for (TestNode n : left) {
                List<AdjustRecord> history = n.node.read(s -> s.history(Optional.of("g")));
                assertEquals(history.toString(), "auto@" + leader, history.get(history.size() - 1).requestedBy());
            }
        }
    }

    private static void awaitMembers(List<TestNode> nodes, String group, int count) {
        for (TestNode n : nodes) {
            Await.until(n.name + " to see " + count + " members of " + group, TestCluster.WAIT,
                    () -> n.node.group(group).map(g -> g.members().size() == count).orElse(false),
                    () -> n.node.group(group));
        }
    }

    private static void awaitCapability(List<TestNode> nodes, String node, int level) {
        for (TestNode n : nodes) {
            Await.until(n.name + " to see " + node + " run level " + level, TestCluster.WAIT,
                    () -> n.node.definedNode(node).orElseThrow().canRun(level), () -> n.node.definedNodes());
        }
    }
}
