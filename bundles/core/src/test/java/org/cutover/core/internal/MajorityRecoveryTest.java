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
        recoverAndRestart(0, false);
    }

    /**
     * The same with a checkpoint after every entry: the survivor's restart starts from one taken after the
     * recovery, whose entry is not replayed, and the voters still come back (the checkpoint holds RAFT's members
     * as a snapshot does; replaying only the entries after it gave the three voters of the settings).
     */
    @Test
    public void theVotersOfARecoveryComeBackFromACheckpoint() throws Exception {
        recoverAndRestart(1, false);
    }

    /**
     * The same from a snapshot the survivor cut its log into after the recovery: RAFT 1.1.4 takes the members
     * from it but kept the majority of the three voters it was started with, and the survivor, alone, never led
     * again ("did not join the cluster log", its term in the hundreds of thousands).
     */
    @Test
    public void theVotersOfARecoveryComeBackFromASnapshot() throws Exception {
        recoverAndRestart(0, true);
    }

    private void recoverAndRestart(int checkpointEvery, boolean cutAfterRecovery) throws Exception {
        try (TestCluster cluster = new TestCluster("majority-recovery", 3).checkpointEvery(checkpointEvery)) {
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

            long recovered = survivor.commitIndex();
            if (cutAfterRecovery) {
                // what LogCompaction asks for once the log passes log.compact.mb
                survivor.raft().snapshotAsync().get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue("the log is cut after the recovery: " + cluster.raftStates(),
                        survivor.raft().log().firstAppended() >= recovered);
            }
            survivor.crash();
            TestNode again = cluster.start(0, 1);
            cluster.awaitSynced(again);
            long restored = (Long) again.raft().getValue("checkpointRestored");
            if (checkpointEvery > 0) {
                assertTrue("restored a checkpoint at or after the recovery (" + recovered + "): " + restored,
                        restored >= recovered);
            } else {
                assertEquals(0, restored);
            }
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
