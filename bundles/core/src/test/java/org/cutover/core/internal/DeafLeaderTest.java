package org.cutover.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * The leader goes deaf (hears nothing, still sends) until it suspects everyone
 * else and steps down; the others, who still hear it, keep it in their view
 * and as their leader. After it hears again, the cluster must have one leader
 * that leads and commit again, every node at one commit index. ChaosTest seed
 * 20261202 once hung in a state like this (step 102: the deposed leader in two
 * overlapping views, no node led for 60 s; see docs/reliability.md, still
 * open); this simpler sequence passes (ELECTION2's pre-vote at the merge
 * replaces the leader) and stays as an adversarial case.
 */
public class DeafLeaderTest {

    @Test
    public void aLeaderThatSteppedDownInTheOthersViewIsReplaced() throws Exception {
        try (TestCluster cluster = new TestCluster("deaf-leader", 5, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(5, 1);
            List<Group> members = new ArrayList<>();
            for (TestNode n : nodes) {
                members.add(n.node.join("g", new RecordingListener()));
            }
            for (int round = 0; round < 3; round++) {
                Await.until("a leader", TestCluster.WAIT, () -> cluster.leader().isPresent(), cluster::raftStates);
                TestNode leader = cluster.leader().orElseThrow();
                leader.discard().setUpDiscardRate(1.0);
                Await.until(leader.name + " stepping down", TestCluster.WAIT, () -> !leader.isLeader(),
                        cluster::raftStates);
                Thread.sleep(1_000);
                cluster.heal();
                for (int i = 0; i < nodes.size(); i++) {
                    TestNode n = nodes.get(i);
                    Group g = members.get(i);
                    int r = round;
                    Await.until(n.name + "'s send committed after round " + r, TestCluster.WAIT, () -> {
                        try {
                            g.send(("round " + r).getBytes(StandardCharsets.UTF_8));
                            return true;
                        } catch (org.cutover.api.GroupException e) {
                            return false;
                        }
                    }, cluster::raftStates);
                }
                Await.until("every log at one commit index", TestCluster.WAIT, () -> nodes.stream()
                        .mapToLong(TestNode::commitIndex).distinct().count() == 1, cluster::raftStates);
            }
        }
    }
}
