package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.junit.Test;

/**
 * The claims of seed-claims.txt on three in-JVM nodes: hot install of a new
 * level while the group stays active, the checks, one ordered ADJUST_VERSION
 * change, the new function after it. Each test names its claims.
 */
public class VersionAdjustTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void hotInstallLevel2(TestNode n) {
        n.infra.add(new TestInfra(2));
    }

    private static void awaitCapability(List<TestNode> nodes, String node, int level) {
        for (TestNode n : nodes) {
            Await.until(n.name + " to see " + node + " run level " + level, TestCluster.WAIT,
                    () -> n.node.definedNode(node).orElseThrow().canRun(level), () -> n.node.definedNodes());
        }
    }

    private static CheckFailure failure(CheckResult r, ReasonCode code) {
        return r.failures().stream().filter(f -> f.code() == code).findFirst()
                .orElseThrow(() -> new AssertionError("no " + code + " among " + r.failures()));
    }

    /** claims 1, 11, 18, 25 and 6, 7, 13, 14, 20, 21, 27, 28; claims 2, 12, 19, 26 */
    @Test
    public void hotInstallThenOneOrderedAdjustSwitchesTheGroupAndOffersTheNewFunction() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-hot", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            RecordingListener[] listeners = new RecordingListener[3];
            Group[] members = new Group[3];
            for (int i = 0; i < 3; i++) {
                listeners[i] = new RecordingListener("from-" + (i + 1) + ":");
                members[i] = nodes.get(i).node.join("app", listeners[i]);
            }
            Await.until("three members", TestCluster.WAIT,
                    () -> members[0].members().size() == 3, () -> members[0].members());
            assertEquals(1, members[0].level());

            // claim 2: the level-2 function is refused before the adjust
            FunctionUnavailableException refused = assertThrows(FunctionUnavailableException.class,
                    () -> members[0].request(bytes("digest?"), Duration.ofSeconds(5)));
            assertEquals(1, refused.level());

            // held: the operator's adjust below asks for the switch, not the last install (the automatic adjust)
            nodes.get(0).node.hold(true, List.of("app"));
            // (A) update the infrastructure on each node while the group stays active
            for (TestNode n : nodes) {
                hotInstallLevel2(n);
                awaitCapability(nodes, n.name, 2);
            }
            assertEquals("the potential level follows the capabilities", 2,
                    nodes.get(0).node.group("app").orElseThrow().potentialLevel());

            // (B)+(C) notify with one ordered membership change, switch the group
            AdjustResult result = nodes.get(1).versions.adjust(new VersionRequest(Set.of("app"), false,
                    OptionalInt.empty(), false));
            assertTrue(result.check().failures().toString(), result.complete());
            assertEquals(Map.of("app", 2L), result.newEpochs());
            assertEquals(3, result.confirmations().size());
            for (int i = 0; i < 3; i++) {
                int k = i;
                // the level changes when the log entry is applied; the listener hears of it on the member's own
                // delivery queue a moment later
                Await.until("member " + k + " at level 2 and told so", TestCluster.WAIT, () -> members[k].level() == 2
                        && !listeners[k].changes().isEmpty() && listeners[k].changes()
                        .get(listeners[k].changes().size() - 1).reason() == Reason.ADJUST_VERSION,
                        () -> members[k].level() + " " + listeners[k].changes());
                List<MembershipChange> changes = listeners[i].changes();
                MembershipChange last = changes.get(changes.size() - 1);
                assertEquals(Reason.ADJUST_VERSION, last.reason());
                assertEquals(1, last.fromLevel());
                assertEquals(2, last.toLevel());
                assertEquals(2, last.epoch());
                assertEquals("node2", last.requestedBy());
                assertFalse("members never left", changes.stream().anyMatch(c -> c.reason() == Reason.LEAVE
                        || c.reason() == Reason.FAILURE || c.reason() == Reason.NODE_INCAPABLE));
            }
            assertTrue(cluster.events.stream().anyMatch(e -> e.startsWith(VersionService.TOPIC_VERSION_ADJUSTED)));

            // claim 2: the new function works after the adjust
            RequestResult answers = members[0].request(bytes("digest?"), Duration.ofSeconds(5))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue("every member answered: " + answers, answers.complete());
            assertEquals(3, answers.replies().size());
            assertEquals("from-3:digest?", new String(answers.replies().get(members[2].self()),
                    StandardCharsets.UTF_8));

            List<AdjustRecord> history = nodes.get(2).node.read(s -> s.history(Optional.of("app")));
            assertEquals(List.of("HOLD", "APPLIED"), history.stream().map(AdjustRecord::outcome).toList());
            assertEquals("node2", history.get(1).requestedBy());
        }
    }

    /** claim 3: --all switches every group with one ordered message */
    @Test
    public void allGroupsSwitchInOneMessage() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-all", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            // groups created while a node lacked level 2 start at 1: make them before the others learn it
            for (TestNode n : nodes) {
                n.infra.remove(n.infra.protocol(2).orElseThrow());
            }
            for (TestNode n : nodes) {
                Await.until(n.name + " at levels [1]", TestCluster.WAIT,
                        () -> n.node.definedNodes().stream().allMatch(d -> !d.canRun(2)), () -> n.node.definedNodes());
            }
            for (String g : List.of("a", "b", "c")) {
                nodes.get(0).node.join(g, new RecordingListener());
                nodes.get(2).node.join(g, new RecordingListener());
            }
            nodes.get(1).node.hold(true, List.of()); // every group: the --all below moves them, not the last install
            for (TestNode n : nodes) {
                hotInstallLevel2(n);
                awaitCapability(nodes, n.name, 2);
            }
            AdjustResult result = nodes.get(2).versions.adjust(VersionRequest.allGroups(OptionalInt.of(2)));
            assertTrue(result.check().failures().toString(), result.complete());
            assertEquals(Set.of("a", "b", "c"), result.newEpochs().keySet());
            for (TestNode n : nodes) {
                Await.until(n.name + " sees all at 2", TestCluster.WAIT,
                        () -> n.node.groups().stream().allMatch(g -> g.level() == 2), () -> n.node.groups());
                List<AdjustRecord> history = n.node.read(s -> s.history(Optional.empty())).stream()
                        .filter(r -> !r.outcome().equals("HOLD")).toList();
                assertEquals("one ordered message for all groups", 1, history.size());
                assertEquals(List.of("a", "b", "c"), history.get(0).groups());
            }
        }
    }

    /** claims 8, 15, 22, 29: every defined node must be active; nothing is sent otherwise */
    @Test
    public void inactiveNodeRefusesTheAdjustAndNothingIsSent() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-inactive", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            nodes.get(0).node.join("g", new RecordingListener());
            nodes.get(2).stop();
            Await.until("node3 inactive", TestCluster.WAIT, () -> nodes.get(0).node.definedNode("node3").orElseThrow()
                    .status() == org.cutover.api.NodeStatus.INACTIVE, () -> nodes.get(0).node.definedNodes());
            long epochBefore = nodes.get(0).node.group("g").orElseThrow().epoch();
            AdjustResult r = nodes.get(0).versions.adjust(VersionRequest.of(1, "g").withDowngrade());
            assertFalse(r.applied());
            assertEquals(List.of("node3"), failure(r.check(), ReasonCode.NODE_INACTIVE).subjects());
            assertEquals(epochBefore, nodes.get(1).node.group("g").orElseThrow().epoch());
            assertTrue(nodes.get(1).node.read(s -> s.history(Optional.empty())).isEmpty());
        }
    }

    /** claims 9, 16, 23, 30: a vanished node means the group may be partitioned */
    @Test
    public void vanishedNodeRefusesTheAdjustAsPartitioned() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-partitioned", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            nodes.get(0).node.join("g", new RecordingListener());
            nodes.get(0).node.hold(true, List.of("g")); // no automatic adjust before the crash
            for (TestNode n : nodes) {
                hotInstallLevel2(n);
                awaitCapability(nodes, n.name, 2);
            }
            nodes.get(1).crash();
            Await.until("node2 gone from node1's view", TestCluster.WAIT,
                    () -> !nodes.get(0).node.nodesInView().contains("node2"), () -> nodes.get(0).node.nodesInView());
            CheckResult check = nodes.get(0).versions.check(VersionRequest.of(2, "g"));
            assertEquals(List.of("node2"), failure(check, ReasonCode.GROUP_PARTITIONED).subjects());
            AdjustResult r = nodes.get(0).versions.adjust(VersionRequest.of(2, "g"));
            assertFalse(r.applied());
            assertEquals(1, nodes.get(2).node.group("g").orElseThrow().level());
        }
    }

    /** claims 10, 17, 24, 31: every node must be capable of the new level; also UNKNOWN_GROUP and ALREADY_AT_LEVEL */
    @Test
    public void incapableNodeIsNamedWithTheLevelsItRuns() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-incapable", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            nodes.get(0).node.join("g", new RecordingListener());
            hotInstallLevel2(nodes.get(0));
            hotInstallLevel2(nodes.get(1));
            awaitCapability(nodes, "node2", 2);
            awaitCapability(nodes, "node1", 2);
            CheckResult check = nodes.get(0).versions.check(VersionRequest.of(2, "g", "nope"));
            CheckFailure incapable = failure(check, ReasonCode.NODE_INCAPABLE);
            assertEquals(List.of("node3"), incapable.subjects());
            assertTrue(incapable.message(), incapable.message().contains("node3 runs level(s) 1"));
            assertEquals(List.of("nope"), failure(check, ReasonCode.UNKNOWN_GROUP).subjects());
            AdjustResult r = nodes.get(1).versions.adjust(VersionRequest.of(2, "g"));
            assertFalse(r.applied());
            assertEquals(1L, nodes.get(2).node.group("g").orElseThrow().epoch());
            CheckResult same = nodes.get(0).versions.check(VersionRequest.of(1, "g"));
            failure(same, ReasonCode.ALREADY_AT_LEVEL);
            CheckResult zero = nodes.get(0).versions.check(VersionRequest.of(0, "g"));
            failure(zero, ReasonCode.INVALID_LEVEL);
        }
    }

    /** downgrade only when asked for and every node still runs the level */
    @Test
    public void downgradeNeedsToBeAskedFor() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-downgrade", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            RecordingListener l = new RecordingListener();
            Group g = nodes.get(0).node.join("g", l);
            assertEquals("a new group starts at the potential level", 2, g.level());
            // node2's replica learns of the join when it delivers it, a moment after node1
            Await.until("node2 to know group g", TestCluster.WAIT, () -> nodes.get(1).node.group("g").isPresent(),
                    () -> nodes.get(1).node.groups());
            failure(nodes.get(1).versions.check(VersionRequest.of(1, "g")), ReasonCode.DOWNGRADE_REFUSED);
            AdjustResult down = nodes.get(1).versions.adjust(VersionRequest.of(1, "g").withDowngrade());
            assertTrue(down.check().failures().toString(), down.complete());
            Await.until("member at level 1", TestCluster.WAIT, () -> g.level() == 1, g::level);
            assertEquals(2, g.epoch());
        }
    }

    /**
     * An adjust's outcome is recorded with the asking node's next entry, not in an entry of its own: two adjusts
     * back to back take three entries (the first, the second with the first's outcome, the second's outcome
     * alone once nothing else came), and every history says how both ended.
     */
    @Test
    public void anAdjustsOutcomeRidesWithTheNextEntry() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-outcome", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            Group g = nodes.get(0).node.join("g", new RecordingListener());
            nodes.get(0).node.hold(true, List.of("g")); // no automatic adjust back up between the two
            for (TestNode n : nodes) {
                Await.until(n.name + " knowing g held", TestCluster.WAIT,
                        () -> n.node.group("g").map(GroupInfo::held).orElse(false), () -> n.node.groups());
                Await.until(n.name + " applying everything committed", TestCluster.WAIT,
                        () -> n.node.logStatus().appliedIndex() >= n.commitIndex(), () -> n.node.logStatus());
            }
            TestNode asker = nodes.get(1);
            long before = asker.commitIndex();
            assertTrue(asker.versions.adjust(VersionRequest.of(1, "g").withDowngrade()).complete());
            assertTrue(asker.versions.adjust(VersionRequest.of(2, "g")).complete());
            for (TestNode n : nodes) {
                Await.until(n.name + "'s history saying how both ended", TestCluster.WAIT,
                        () -> n.node.read(s -> s.history(Optional.of("g"))).stream()
                                .filter(r -> r.outcome().equals("APPLIED") && r.duration() != null).count() == 2,
                        () -> n.node.read(s -> s.history(Optional.of("g"))));
            }
            assertEquals("entries for two adjusts and their outcomes", 3, asker.commitIndex() - before);
            assertEquals(2, g.level());
        }
    }

    /** two adjusts sent from the same epoch at once: the first in the order wins, on every node alike; a replay loses */
    @Test
    public void racingAdjustsOnlyOneWins() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-race", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2, 3);
            nodes.get(0).node.join("g", new RecordingListener());
            List<GroupVersion> from = List.of(new GroupVersion("g", 3, 1));
            AdjustWaiter toOne = new AdjustWaiter();
            AdjustWaiter toTwo = new AdjustWaiter();
            nodes.get(1).node.sendAdjust(new Adjust("race-1", "node2", 1, from, 1L), toOne);
            nodes.get(2).node.sendAdjust(new Adjust("race-2", "node3", 2, from, 2L), toTwo);
            assertTrue(toOne.awaitDelivery(TestCluster.WAIT));
            assertTrue(toTwo.awaitDelivery(TestCluster.WAIT));
            boolean oneWon = toOne.result().accepted();
            assertTrue("exactly one applied", oneWon ^ toTwo.result().accepted());
            assertEquals(ReasonCode.CONCURRENT_ADJUST, (oneWon ? toTwo : toOne).result().refused());
            int winner = oneWon ? 1 : 2;
            for (TestNode n : nodes) {
                Await.until(n.name + " at the winner's level", TestCluster.WAIT,
                        () -> n.node.group("g").orElseThrow().level() == winner, () -> n.node.groups());
                assertEquals(2, n.node.group("g").orElseThrow().epoch());
            }
            // a replay of the winning adjust (same request, old epoch) is refused everywhere alike: by its asker
            // for its epoch, by any other node because it speaks for the asker
            Adjust again = new Adjust(oneWon ? "race-1" : "race-2", oneWon ? "node2" : "node3", winner, from, 3L);
            AdjustWaiter replay = new AdjustWaiter();
            nodes.get(winner).node.sendAdjust(again, replay);
            assertTrue(replay.awaitDelivery(TestCluster.WAIT));
            assertEquals(ReasonCode.CONCURRENT_ADJUST, replay.result().refused());
            AdjustWaiter relayed = new AdjustWaiter();
            nodes.get(0).node.sendAdjust(again, relayed);
            assertTrue(relayed.awaitDelivery(TestCluster.WAIT));
            assertEquals(ReasonCode.UNKNOWN_NODE, relayed.result().refused());
            for (TestNode n : nodes) {
                assertEquals(2, n.node.group("g").orElseThrow().epoch());
            }
        }
    }

    /**
     * A node's waiter hears how its own entry ended, not another node's entry with the same request id that this
     * node applies first. Seen in CI (2026-12-07, racingAdjustsOnlyOneWins): the relaying node was still behind
     * on the asker's replay when it sent its own, and its waiter took the replay's CONCURRENT_ADJUST.
     */
    @Test
    public void aWaiterHearsOnlyItsOwnNodesEntry() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-own-entry", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2, 3);
            nodes.get(0).node.join("g", new RecordingListener());
            TestNode leader = cluster.leader().orElseThrow();
            List<TestNode> followers = nodes.stream().filter(n -> n != leader).toList();
            TestNode asker = followers.get(0);
            TestNode relayer = followers.get(1);
            Adjust adjust = new Adjust("own-entry", asker.name, 1, List.of(new GroupVersion("g", 3, 1)), 1L);
            AdjustWaiter first = new AdjustWaiter();
            asker.node.sendAdjust(adjust, first);
            assertTrue(first.awaitDelivery(TestCluster.WAIT));
            assertTrue(String.valueOf(first.result().why()), first.result().accepted());
            Await.until(relayer.name + " at level 1", TestCluster.WAIT,
                    () -> relayer.node.group("g").orElseThrow().level() == 1, () -> relayer.node.groups());

            // the relayer hears nothing while the asker's replay commits, so it applies the replay only after it
            // has sent the same adjust itself
            relayer.discard().setUpDiscardRate(1.0);
            AdjustWaiter replay = new AdjustWaiter();
            asker.node.sendAdjust(adjust, replay);
            assertTrue(replay.awaitDelivery(TestCluster.WAIT));
            assertEquals(ReasonCode.CONCURRENT_ADJUST, replay.result().refused());
            AdjustWaiter relayed = new AdjustWaiter();
            relayer.node.sendAdjust(adjust, relayed);
            relayer.discard().setUpDiscardRate(0);
            assertTrue(relayed.awaitDelivery(TestCluster.WAIT));
            assertEquals(String.valueOf(relayed.result().why()), ReasonCode.UNKNOWN_NODE, relayed.result().refused());
            for (TestNode n : nodes) {
                assertEquals(n.name, 2, n.node.group("g").orElseThrow().epoch());
                assertEquals(n.name, 1, n.node.group("g").orElseThrow().level());
            }
        }
    }

    /** joining: a joiner learns level and epoch; an incapable joiner is refused */
    @Test
    public void joinerLearnsTheLevelAndAnIncapableJoinerIsRefused() throws Exception {
        try (TestCluster cluster = new TestCluster("claims-join", 4)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            nodes.get(0).node.join("g", new RecordingListener());
            AdjustResult down = nodes.get(0).versions.adjust(VersionRequest.of(1, "g").withDowngrade());
            assertTrue(down.applied());
            Group late = nodes.get(2).node.join("g", new RecordingListener());
            assertEquals(1, late.level());
            assertEquals(2, late.epoch());
            // a node that only runs level 2 joins the cluster; it cannot join a level-1 group
            TestNode onlyTwo = cluster.start(3, 2);
            cluster.awaitActive(4);
            GroupException e = assertThrows(GroupException.class, () -> onlyTwo.node.join("g",
                    new RecordingListener()));
            assertEquals(ReasonCode.NODE_INCAPABLE, e.code());
            assertEquals(2, nodes.get(0).node.group("g").orElseThrow().members().size());
        }
    }
}
