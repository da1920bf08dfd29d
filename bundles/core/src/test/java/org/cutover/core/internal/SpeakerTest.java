package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.cutover.api.ReasonCode;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.*;
import org.cutover.core.internal.wire.Slice;
import org.junit.Test;

/** a node speaks only for itself and its own members */
public class SpeakerTest {

    @Test
    public void everyEnvelopeThatNamesANodeComesOnlyFromIt() {
        List<Envelope> ofNode2 = List.of(
                new Hello("node2", "u", "a", new TreeSet<>(List.of(1)), Map.of(), List.of(), true, 0),
                new CapabilityChanged("node2", new TreeSet<>(List.of(1))),
                new Goodbye("node2"),
                new Join("g", "node2#1.1", "node2"),
                new Leave("g", "node2#1.1"),
                new Adjust("r", "node2", 2, List.of(new GroupVersion("g", 1, 1)), 0),
                new RemoveNode("node3", "node2"),
                new MajorityRecovered("node2", List.of("node2"), 0),
                new ImportHistory("node2", new byte[4]),
                new AdjustConfirm("r", "node2"),
                new GroupData("g", "node2#1.1", 1, Slice.of(new byte[1])),
                new Reply("g", "node2#1.1", 1, Slice.of(new byte[1])),
                new ForceVoters("node2", List.of("node2")));
        for (Envelope e : ofNode2) {
            assertTrue(e + " from node2", Speaker.mayCome(e, "node2"));
            assertFalse(e + " from node1", Speaker.mayCome(e, "node1"));
        }
        assertFalse("a member of node2 joined by node2 in node1's name",
                Speaker.mayCome(new Join("g", "node2#1.1", "node1"), "node1"));
        // the leader's view and a joiner's state speak for no node
        assertTrue(Speaker.mayCome(new ViewChanged(1, 1, List.of()), "node1"));
        assertTrue(Speaker.mayCome(new GroupState("g", "node2#1.1", null), "node1"));
    }

    /** before, node1's adjust in node2's name was applied everywhere and the history named node2 */
    @Test
    public void anAdjustInAnotherNodesNameIsRefusedEverywhere() throws Exception {
        try (TestCluster cluster = new TestCluster("speaker-adjust", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            nodes.get(0).node.join("g", new RecordingListener());
            GroupVersion before = nodes.get(0).node.read(s -> s.groupVersion("g").orElseThrow());
            AdjustWaiter waiter = new AdjustWaiter();
            nodes.get(0).node.sendAdjust(new Adjust(java.util.UUID.randomUUID().toString(), "node2",
                    before.level() == 1 ? 2 : 1, List.of(before), System.currentTimeMillis()), waiter);
            assertTrue("the adjust was applied or refused", waiter.awaitDelivery(Duration.ofSeconds(30)));
            assertNotNull(waiter.result());
            assertEquals(ReasonCode.UNKNOWN_NODE, waiter.result().refused());
            // an entry after it: once a node has applied this one, it has applied the forged adjust too
            nodes.get(0).node.join("after", new RecordingListener());
            for (TestNode n : nodes) {
                org.cutover.core.internal.testing.Await.until(n.name + " to apply the entries", TestCluster.WAIT,
                        () -> n.node.read(s -> s.groupVersion("after")).isPresent(),
                        () -> n.node.read(s -> s.groupVersion("g")));
                assertEquals(n.name, before, n.node.read(s -> s.groupVersion("g").orElseThrow()));
                assertEquals(n.name, List.of(), n.node.read(s -> s.history(Optional.of("g"))));
            }
        }
    }
}
