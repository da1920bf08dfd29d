package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.cutover.api.GroupException;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Assert;
import org.junit.Test;

/** The defined-node registry: ACTIVE, INACTIVE after an orderly leave, PARTITIONED after vanishing, persisted. */
public class DefinedNodesTest {

    private static NodeStatus statusOf(TestNode seenBy, String node) {
        return seenBy.node.definedNode(node).orElseThrow().status();
    }

    @Test
    public void orderlyLeaveIsInactiveAndItsMembersLeave() throws Exception {
        try (TestCluster cluster = new TestCluster("nodes-inactive", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            RecordingListener watcher = new RecordingListener();
            nodes.get(0).node.join("g", watcher);
            nodes.get(2).node.join("g", new RecordingListener());
            nodes.get(2).stop();
            // each node applies the goodbye on its own; the member hears of it on its own delivery queue
            Await.until("node3 INACTIVE at node1 and node2", TestCluster.WAIT,
                    () -> statusOf(nodes.get(0), "node3") == NodeStatus.INACTIVE
                            && statusOf(nodes.get(1), "node3") == NodeStatus.INACTIVE,
                    () -> nodes.get(0).node.definedNodes() + " / " + nodes.get(1).node.definedNodes());
            assertEquals(1, nodes.get(0).node.group("g").orElseThrow().members().size());
            Await.until("node1's member told node3's member left", TestCluster.WAIT,
                    () -> watcher.changes().stream().anyMatch(c -> c.reason() == Reason.LEAVE
                            && c.members().get(0).node().equals("node3")), watcher::changes);
        }
    }

    @Test
    public void nodeCutOffByDiscardIsPartitioned() throws Exception {
        try (TestCluster cluster = new TestCluster("nodes-partitioned", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            RecordingListener watcher = new RecordingListener();
            nodes.get(0).node.join("g", watcher);
            nodes.get(2).node.join("g", new RecordingListener());
            nodes.get(2).cutOff();
            Await.until("node3 PARTITIONED at node1 and node2", TestCluster.WAIT,
                    () -> statusOf(nodes.get(0), "node3") == NodeStatus.PARTITIONED
                            && statusOf(nodes.get(1), "node3") == NodeStatus.PARTITIONED,
                    () -> nodes.get(0).node.definedNodes() + " / " + nodes.get(1).node.definedNodes());
            // the status changes when the log entry is applied; the member hears of it on its own delivery queue
            Await.until("node1's member told of the failure", TestCluster.WAIT,
                    () -> watcher.changes().stream().anyMatch(c -> c.reason() == Reason.FAILURE), watcher::changes);
            nodes.get(2).crash();
        }
    }

    @Test
    public void closedWithoutGoodbyeIsPartitioned() throws Exception {
        try (TestCluster cluster = new TestCluster("nodes-crash", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            nodes.get(1).crash();
            Await.until("node2 PARTITIONED", TestCluster.WAIT,
                    () -> statusOf(nodes.get(0), "node2") == NodeStatus.PARTITIONED
                            && statusOf(nodes.get(2), "node2") == NodeStatus.PARTITIONED,
                    () -> nodes.get(0).node.definedNodes());
        }
    }

    /**
     * With the log, a node restarted alone has no leader and cannot even say hello (the old test restarted node1
     * alone and expected it ACTIVE). What the log promises instead: the defined nodes come back from the log once
     * a majority runs again; a node that is not ACTIVE (INACTIVE after its goodbye, PARTITIONED after a crash) can
     * be removed, an ACTIVE one cannot.
     */
    @Test
    public void definedNodesSurviveARestartAndCanBeRemoved() throws Exception {
        try (TestCluster cluster = new TestCluster("nodes-restart", 4)) {
            List<TestNode> nodes = cluster.startAll(4, 1);
            for (int i = 3; i >= 0; i--) {
                nodes.get(i).stop();
            }
            // three of the four defined nodes: a majority of the log
            List<TestNode> again = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                again.add(cluster.launch(i, 1));
            }
            for (TestNode n : again) {
                cluster.awaitSynced(n);
            }
            TestNode first = again.get(0);
            List<String> names = first.node.definedNodes().stream().map(d -> d.name()).toList();
            assertEquals(List.of("node1", "node2", "node3", "node4"), names);
            for (TestNode n : again) {
                Await.until(n.name + " ACTIVE again", TestCluster.WAIT,
                        () -> statusOf(first, n.name) == NodeStatus.ACTIVE, () -> first.node.definedNodes());
            }
            assertEquals(NodeStatus.INACTIVE, statusOf(first, "node4"));
            GroupException active = Assert.assertThrows(GroupException.class, () -> first.node.removeNode("node1"));
            assertEquals(ReasonCode.NODE_ACTIVE, active.code());
            GroupException unknown = Assert.assertThrows(GroupException.class, () -> first.node.removeNode("nodeX"));
            assertEquals(ReasonCode.UNKNOWN_NODE, unknown.code());

            // asked from a node that does not lead the log: the voters must change all the same
            Await.until("a leader", TestCluster.WAIT, () -> cluster.leader().isPresent(), cluster::raftStates);
            TestNode remover = again.stream().filter(n -> !n.isLeader()).findFirst().orElseThrow();
            remover.node.removeNode("node4"); // INACTIVE
            for (TestNode n : again) {
                Await.until(n.name + " without node4", TestCluster.WAIT, () -> n.node.definedNode("node4").isEmpty(),
                        () -> n.node.definedNodes());
                Await.until(n.name + "'s log without the voter node4", TestCluster.WAIT,
                        () -> !n.voters().contains("node4"), cluster::raftStates);
            }
            // the log's leader crashes (the hardest case: the view without it is committed only once a new
            // leader is elected); the two left are a majority of the three defined nodes left
            Await.until("a leader", TestCluster.WAIT, () -> cluster.leader().isPresent(), cluster::raftStates);
            TestNode leader = cluster.leader().get();
            leader.crash();
            List<TestNode> left = again.stream().filter(n -> n != leader).toList();
            TestNode asker = left.get(1);
            // what an operator does: remove the node as soon as this node shows it PARTITIONED (its own view)
            Await.until(asker.name + " shows " + leader.name + " PARTITIONED", TestCluster.WAIT,
                    () -> statusOf(asker, leader.name) == NodeStatus.PARTITIONED, () -> asker.node.definedNodes());
            try {
                asker.node.removeNode(leader.name);
            } catch (GroupException e) {
                throw new AssertionError(e.getMessage() + "; log: " + cluster.raftStates() + "; "
                        + asker.node.definedNodes(), e);
            }
            List<String> leftNames = left.stream().map(n -> n.name).toList();
            for (TestNode n : left) {
                Await.until(n.name + " defines " + leftNames + " only", TestCluster.WAIT,
                        () -> n.node.definedNodes().stream().map(d -> d.name()).toList().equals(leftNames),
                        () -> n.node.definedNodes());
            }
            GroupException stillActive = Assert.assertThrows(GroupException.class,
                    () -> asker.node.removeNode(left.get(0).name));
            assertEquals(ReasonCode.NODE_ACTIVE, stillActive.code());
        }
    }

    /** node-add: a node started outside cluster.members follows as a learner until added; then the majority counts it */
    @Test
    public void aLearnerAddedAsAVoterCountsTowardTheMajority() throws Exception {
        try (TestCluster cluster = new TestCluster("defined-add", 3, "<DISCARD/>").votersAtStart(2)) {
            List<TestNode> nodes = List.of(cluster.start(0, 1), cluster.start(1, 1), cluster.start(2, 1));
            TestNode learner = nodes.get(2);
            assertEquals(List.of("node1", "node2"), learner.node.voters());
            for (TestNode n : nodes) {
                Await.until(n.name + " seeing node3 active", TestCluster.WAIT, () -> n.node.definedNode("node3")
                        .map(d -> d.status() == NodeStatus.ACTIVE).orElse(false), () -> n.node.definedNodes());
            }
            GroupException unknown = Assert.assertThrows(GroupException.class, () -> nodes.get(1).node.addNode("nobody"));
            assertEquals(ReasonCode.UNKNOWN_NODE, unknown.code());

            assertTrue(nodes.get(1).node.addNode("node3"));
            for (TestNode n : nodes) {
                Await.until(n.name + " counting node3 as a voter", TestCluster.WAIT,
                        () -> n.node.voters().equals(List.of("node1", "node2", "node3")), n.node::voters);
            }
            Assert.assertFalse("a second add changes nothing", nodes.get(0).node.addNode("node3"));

            // node1 gone: node2 and node3 are two of three voters, so the log still commits (with node3 a
            // learner, node2 alone would be one of two and refuse)
            TestNode gone = cluster.leader().filter(l -> l != learner).orElse(nodes.get(0));
            gone.crash();
            TestNode survivor = nodes.stream().filter(n -> n != gone && n != learner).findFirst().orElseThrow();
            RecordingListener listener = new RecordingListener();
            Await.until("a leader among " + survivor.name + " and node3", TestCluster.WAIT,
                    () -> survivor.isLeader() || learner.isLeader(), cluster::raftStates);
            learner.node.join("after-add", listener);
            assertTrue(learner.node.group("after-add").isPresent());
        }
    }
}
