package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupListener;
import org.cutover.api.InfraFunction;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.ReasonCode;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.junit.Test;

/**
 * Code of other bundles that fails under a node while bundles are swapped: an application's listener, a level's
 * decoder or EventAdmin throwing what a bundle refreshed or stopped under its caller throws
 * (NoClassDefFoundError, IllegalStateException). A member never goes on having missed something: it is told
 * and leaves, or it gets everything; and every node keeps one replicated state.
 */
public class BrokenBundlesTest {

    /**
     * a listener that throws leaves its group at that message and sees nothing after it: an Error (its bundle
     * refreshed under it) as a RuntimeException
     */
    @Test
    public void aListenerThatThrowsLeavesItsGroupAtThatMessage() throws Exception {
        try (TestCluster cluster = new TestCluster("broken-listener", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            RecordingListener l1 = new RecordingListener();
            RecordingListener l2 = new RecordingListener();
            RecordingListener l3 = new RecordingListener();
            Group g1 = nodes.get(0).node.join("g", l1);
            nodes.get(1).node.join("g", l2);
            nodes.get(2).node.join("g", l3);
            // each throws once a member of its node has all five: what follows m2 is queued behind it by then
            ThrowingOnM2 error = new ThrowingOnM2(new NoClassDefFoundError("org/example/app/Handler"), l3);
            ThrowingOnM2 runtime = new ThrowingOnM2(new IllegalStateException("the handler's service is gone"), l2);
            Group e = nodes.get(2).node.join("g", error);
            Group r = nodes.get(1).node.join("g", runtime);
            awaitMembers(nodes, 5);
            for (int i = 1; i <= 5; i++) {
                g1.send(("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until("the others to deliver m1..m5", TestCluster.WAIT, () -> l1.count() == 5 && l2.count() == 5
                    && l3.count() == 5, () -> l1.texts() + " / " + l2.texts() + " / " + l3.texts());
            for (ThrowingOnM2 failing : List.of(error, runtime)) {
                Group g = failing == error ? e : r;
                Await.until("the member whose listener threw " + failing.thrown + " to be told it left",
                        TestCluster.WAIT, () -> failing.told.stream().anyMatch(c -> c.reason() == Reason.FAILURE
                                && c.members().contains(g.self())), () -> failing.told);
                assertEquals("what the member whose listener threw " + failing.thrown + " delivered", List.of("m1"),
                        failing.seen);
            }
            awaitMembers(nodes, 3);
            cluster.awaitOneReplicatedState();
        }
    }

    /**
     * A level whose classes are gone on one node (NoClassDefFoundError from its decoder): that node's member
     * leaves with NODE_INCAPABLE, as for a message its level cannot decode, and the log's entry is applied there
     * as everywhere
     */
    @Test
    public void aLevelThatLostItsClassesMakesItsMembersLeave() throws Exception {
        try (TestCluster cluster = new TestCluster("broken-level", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Refreshable level = new Refreshable(new TestInfra(1));
            TestNode third = nodes.get(2);
            InfraProtocol shipped = third.infra.protocol(1).orElseThrow();
            third.infra.add(level); // served once the first goes: the level never leaves the node
            third.infra.remove(shipped);
            RecordingListener l1 = new RecordingListener();
            RecordingListener l2 = new RecordingListener();
            RecordingListener l3 = new RecordingListener();
            Group g1 = nodes.get(0).node.join("g", l1);
            nodes.get(1).node.join("g", l2);
            Group g3 = third.node.join("g", l3);
            awaitMembers(nodes, 3);
            g1.send("m1".getBytes(StandardCharsets.UTF_8));
            Await.until("node3's member to deliver m1", TestCluster.WAIT, () -> l3.count() == 1, l3::texts);
            level.classesGone = true;
            g1.send("m2".getBytes(StandardCharsets.UTF_8));
            g1.send("m3".getBytes(StandardCharsets.UTF_8));
            Await.until("the others to deliver m1..m3", TestCluster.WAIT, () -> l1.count() == 3 && l2.count() == 3,
                    () -> l1.texts() + " / " + l2.texts());
            Await.until("node3's member to be told it cannot follow", TestCluster.WAIT, () -> l3.changes().stream()
                    .anyMatch(c -> c.reason() == Reason.NODE_INCAPABLE && c.members().contains(g3.self())),
                    l3::changes);
            awaitMembers(nodes, 2);
            assertEquals(List.of("m1"), l3.texts());
            cluster.awaitOneReplicatedState();
        }
    }

    /** EventAdmin stopped under a node: the adjust still reaches that node's members */
    @Test
    public void anAdjustReachesTheMembersWhenEventsCannotBePosted() throws Exception {
        try (TestCluster cluster = new TestCluster("broken-events", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            List<RecordingListener> listeners = new ArrayList<>();
            List<Group> members = new ArrayList<>();
            for (TestNode n : nodes) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                members.add(n.node.join("g", l));
            }
            awaitMembers(nodes, 3);
            nodes.get(2).eventFailure = () -> new IllegalStateException("EventAdmin is stopped");
            // (a LinkageError alike; any other Error stops the node: the next test)
            AdjustResult r = nodes.get(1).versions.adjust(VersionRequest.of(1, "g").withDowngrade());
            assertTrue(r.toString(), r.complete());
            for (int i = 0; i < 3; i++) {
                RecordingListener l = listeners.get(i);
                Group g = members.get(i);
                Await.until("node" + (i + 1) + "'s member to switch to level 1", TestCluster.WAIT,
                        () -> g.level() == 1 && l.changes().stream().anyMatch(c -> c.reason()
                                == Reason.ADJUST_VERSION && c.toLevel() == 1), l::changes);
            }
            assertEquals("events posted", 2, cluster.events.stream().filter(e -> e.contains("to=1")).count());
            cluster.awaitOneReplicatedState();
        }
    }

    /**
     * EventAdmin stopped under the log's leader while every node installs a higher level: each node's new levels
     * are applied there as everywhere, and the leader still adjusts the group to the level all of them run. (The
     * capability event was posted unguarded: its exception marked the entry not applied on the leader, which then
     * never looked at the levels, and the group stayed at level 1.)
     */
    @Test
    public void theGroupsRiseWhenTheLeadersEventsCannotBePosted() throws Exception {
        try (TestCluster cluster = new TestCluster("broken-events-leader", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<Group> members = new ArrayList<>();
            for (TestNode n : nodes) {
                members.add(n.node.join("g", new RecordingListener()));
            }
            awaitMembers(nodes, 3);
            TestNode[] leader = new TestNode[1];
            Await.until("a leader of the cluster log", TestCluster.WAIT, () -> {
                leader[0] = nodes.stream().filter(TestNode::isLeader).findFirst().orElse(null);
                return leader[0] != null;
            }, () -> "none of " + nodes.size());
            // the leader's AutoAdjuster looks once a second whether it has just become the leader, and then looks
            // at the levels: past that look, only the entries it applies make it look again
            Thread.sleep(3 * org.cutover.core.internal.version.AutoAdjuster.LEADERSHIP_POLL_MILLIS);
            leader[0].eventFailure = () -> new IllegalStateException("EventAdmin is stopped");
            for (TestNode n : nodes) {
                n.infra.add(new TestInfra(2));
            }
            for (int i = 0; i < nodes.size(); i++) {
                Group g = members.get(i);
                Await.until(nodes.get(i).name + "'s member of g at level 2", TestCluster.WAIT, () -> g.level() == 2,
                        () -> "level " + g.level() + "; the leader is " + leader[0].name + "; nodes "
                                + nodes.get(0).node.definedNodes());
            }
            cluster.awaitOneReplicatedState();
        }
    }

    /**
     * An Error inside a log entry that leaves it half applied on one node (an OutOfMemoryError out of EventAdmin):
     * that node stops rather than go on with a replica the others do not have (RAFT goes on after a throwable);
     * the others go on; restarted on its log, it holds their state byte for byte
     */
    @Test
    public void anErrorInsideAnEntryStopsTheNodeUntilItReplaysItsLog() throws Exception {
        try (TestCluster cluster = new TestCluster("broken-apply", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            RecordingListener l1 = new RecordingListener();
            Group g1 = nodes.get(0).node.join("g", l1);
            nodes.get(1).node.join("g", new RecordingListener());
            nodes.get(2).node.join("g", new RecordingListener());
            awaitMembers(nodes, 3);
            TestNode third = nodes.get(2);
            third.eventFailure = () -> new OutOfMemoryError("Java heap space");
            assertTrue(nodes.get(1).versions.adjust(VersionRequest.of(1, "g").withDowngrade()).applied());
            Await.until("node3 to stop", TestCluster.WAIT, () -> third.node.stoppedBecause().isPresent()
                    && !third.node.logStatus().inPrimaryComponent(), () -> third.node.logStatus());
            String why = third.node.stoppedBecause().orElseThrow();
            assertTrue(why, why.contains("OutOfMemoryError"));
            GroupException refused = assertThrows(GroupException.class, () -> third.node.join("h",
                    new RecordingListener()));
            assertEquals(refused.getMessage(), ReasonCode.NOT_CONNECTED, refused.code());
            for (int i = 1; i <= 3; i++) {
                g1.send(("after " + i).getBytes(StandardCharsets.UTF_8)); // the other two commit
            }
            third.stop();
            cluster.start(2, 1, 2);
            cluster.awaitOneReplicatedState();
        }
    }

    private static void awaitMembers(List<TestNode> nodes, int count) {
        for (TestNode n : nodes) {
            Await.until(n.name + " to list " + count + " members of g", TestCluster.WAIT, () -> n.node.group("g")
                    .map(g -> g.members().size() == count).orElse(false), () -> n.node.group("g"));
        }
    }

    /** delivers until "m2", and throws there once {@code neighbour} delivered all five */
    private static final class ThrowingOnM2 implements GroupListener {
        final Throwable thrown;
        private final RecordingListener neighbour;
        // read by the test thread while the member's thread adds: a stream over a synchronizedList is not locked
        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<MembershipChange> told = new CopyOnWriteArrayList<>();

        ThrowingOnM2(Throwable thrown, RecordingListener neighbour) {
            this.thrown = thrown;
            this.neighbour = neighbour;
        }

        @Override
        public void onMessage(Delivery d) {
            String text = new String(d.payload(), StandardCharsets.UTF_8);
            if (text.equals("m2")) {
                Await.until("a member beside it to deliver all five", TestCluster.WAIT, () -> neighbour.count() == 5,
                        neighbour::texts);
                if (thrown instanceof Error err) {
                    throw err;
                }
                throw (RuntimeException) thrown;
            }
            seen.add(text);
        }

        @Override
        public void onMembershipChange(MembershipChange c) {
            told.add(c);
        }
    }

    /** a level whose bundle can be refreshed away under it: then its classes cannot be loaded any more */
    private static final class Refreshable implements InfraProtocol {
        private final InfraProtocol level;
        volatile boolean classesGone;

        Refreshable(InfraProtocol level) {
            this.level = level;
        }

        @Override
        public int level() {
            return level.level();
        }

        @Override
        public Set<InfraFunction> functions() {
            return level.functions();
        }

        @Override
        public byte[] encode(String group, Frame frame) {
            return level.encode(group, frame);
        }

        @Override
        public Frame decode(String group, byte[] bytes) {
            if (classesGone) {
                throw new NoClassDefFoundError("org/cutover/infra/internal/level1/Frames");
            }
            return level.decode(group, bytes);
        }
    }
}
