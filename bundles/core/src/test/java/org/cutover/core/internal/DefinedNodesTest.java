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
            Await.until("node3 INACTIVE at node1", TestCluster.WAIT,
                    () -> statusOf(nodes.get(0), "node3") == NodeStatus.INACTIVE, () -> nodes.get(0).node.definedNodes());
            assertEquals(NodeStatus.INACTIVE, statusOf(nodes.get(1), "node3"));
            assertEquals(1, nodes.get(0).node.group("g").orElseThrow().members().size());
            assertTrue(watcher.changes().stream().anyMatch(c -> c.reason() == Reason.LEAVE
                    && c.members().get(0).node().equals("node3")));
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
            assertTrue(watcher.changes().stream().anyMatch(c -> c.reason() == Reason.FAILURE));
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

    @Test
    public void definedNodesSurviveARestartAndCanBeRemoved() throws Exception {
        try (TestCluster cluster = new TestCluster("nodes-restart", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            nodes.get(2).stop();
            nodes.get(1).stop();
            nodes.get(0).stop();
            TestNode again = cluster.start(0, 1);
            List<String> names = again.node.definedNodes().stream().map(d -> d.name()).toList();
            assertEquals(List.of("node1", "node2", "node3"), names);
            Await.until("node1 ACTIVE again", TestCluster.WAIT,
                    () -> statusOf(again, "node1") == NodeStatus.ACTIVE, () -> again.node.definedNodes());
            assertEquals(NodeStatus.INACTIVE, statusOf(again, "node2"));
            GroupException active = Assert.assertThrows(GroupException.class, () -> again.node.removeNode("node1"));
            assertEquals(ReasonCode.NODE_ACTIVE, active.code());
            GroupException unknown = Assert.assertThrows(GroupException.class, () -> again.node.removeNode("nodeX"));
            assertEquals(ReasonCode.UNKNOWN_NODE, unknown.code());
            again.node.removeNode("node3");
            assertEquals(List.of("node1", "node2"), again.node.definedNodes().stream().map(d -> d.name()).toList());
        }
    }
}
