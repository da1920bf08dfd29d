package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.cutover.api.DefinedNode;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustRecord;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * Two of three nodes are gone for good: the survivor commits nothing until an
 * operator recovers the cluster on it; then it alone is the voters and the
 * defined nodes, commits again, the history says who recovered it, and all of
 * it comes back when the survivor restarts from its log.
 */
public class MajorityRecoveryTest {

    @Test
    public void aSurvivorRecoversTheClusterOnlyWhenTheMajorityIsGone() throws Exception {
        try (TestCluster cluster = new TestCluster("majority-recovery", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            TestNode survivor = nodes.get(0);
            RecordingListener log = new RecordingListener();
            Group g = survivor.node.join("g", log);
            g.send(bytes("before"));
            GroupException notLost = assertThrows(GroupException.class, survivor.node::recoverMajority);
            assertEquals(notLost.getMessage(), ReasonCode.NODE_ACTIVE, notLost.code());

            nodes.get(1).crash();
            nodes.get(2).crash();
            Await.until(survivor.name + " without a leader", TestCluster.WAIT, () -> !survivor.node.hasLeader(),
                    cluster::raftStates);
            assertThrows("a send without a majority", GroupException.class, () -> g.send(bytes("refused")));

            assertEquals(List.of("node1"), survivor.node.recoverMajority());
            assertEquals(List.of("node1"), survivor.node.voters());
            assertEquals(List.of("node1"), survivor.node.definedNodes().stream().map(DefinedNode::name).toList());
            g.send(bytes("after"));
            Await.until("the member delivering 'after'", TestCluster.WAIT,
                    () -> log.texts().contains("after"), log::texts);
            assertEquals(List.of("before", "after"), log.texts());
            AdjustRecord last = last(survivor);
            assertEquals("node1", last.requestedBy());
            assertEquals("MAJORITY_RECOVERED: voters node1", last.outcome());

            survivor.crash();
            TestNode again = cluster.start(0, 1);
            cluster.awaitSynced(again);
            assertEquals("the voters come back from the log", List.of("node1"), again.node.voters());
            assertEquals(List.of("node1"), again.node.definedNodes().stream().map(DefinedNode::name).toList());
            assertEquals("MAJORITY_RECOVERED: voters node1", last(again).outcome());
            Group h = again.node.join("h", new RecordingListener());
            h.send(bytes("after the restart"));
            assertTrue(again.node.group("h").isPresent());
        }
    }

    private static AdjustRecord last(TestNode n) {
        List<AdjustRecord> history = n.versions.history(Optional.empty());
        return history.get(history.size() - 1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
