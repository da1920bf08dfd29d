package org.cutover.core.internal;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;

import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.jgroups.protocols.raft.RAFT;
import org.junit.Test;

/**
 * Three nodes launched back to back all join the cluster log. With jgroups-raft 1.1.4's
 * send_commits_immediately the node that joined the view around the election often stayed at log
 * index 0 for good: its leader and it ping-ponged commit messages, and the leader never resent the
 * entries it missed (see LogLink's commit nudge).
 */
public class LogCatchUpTest {

    @Test
    public void threeNodesLaunchedTogetherAllJoinTheLog() throws Exception {
        for (int round = 0; round < 5; round++) {
            try (TestCluster cluster = new TestCluster("catch-up", 3)) {
                List<TestNode> nodes = List.of(cluster.launch(0, 1), cluster.launch(1, 1), cluster.launch(2, 1));
                for (TestNode n : nodes) {
                    RAFT raft = n.channel().getProtocolStack().findProtocol(RAFT.class);
                    assertFalse("send_commits_immediately livelocks a lagging follower in jgroups-raft 1.1.4",
                            raft.sendCommitsImmediately());
                }
                for (TestNode n : nodes) {
                    assertTrue("round " + round + ": " + n.name + " did not join the log",
                            n.node.awaitSynced(Duration.ofSeconds(15)));
                }
            }
        }
    }
}
