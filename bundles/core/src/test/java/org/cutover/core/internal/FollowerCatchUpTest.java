package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.jgroups.protocols.raft.RAFT;
import org.junit.Test;

/**
 * A node that restarts while a group sends without pause catches up with the
 * log and joins the cluster again. jgroups-raft 1.1.4 on its own resends only
 * when its queue has been idle: the restarted node stayed at entry 165 while
 * the leader passed 11,800.
 */
public class FollowerCatchUpTest {

    private static long commitIndex(TestNode n) {
        return n.channel().getProtocolStack().<RAFT>findProtocol(RAFT.class).commitIndex();
    }

    @Test
    public void aRestartedNodeCatchesUpUnderSteadyTraffic() throws Exception {
        try (TestCluster cluster = new TestCluster("catch-up", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Group sender = nodes.get(0).node.join("load", new RecordingListener());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong sent = new AtomicLong();
            Thread load = new Thread(() -> {
                while (!stop.get()) {
                    sender.send(new byte[100]);
                    sent.incrementAndGet();
                }
            }, "load");
            load.start();
            try {
                Await.until("traffic", TestCluster.WAIT, () -> sent.get() > 500, sent::get);
                TestNode restarted = nodes.get(2);
                restarted.crash();
                long before = sent.get();
                Await.until("more traffic while node3 is down", TestCluster.WAIT, () -> sent.get() > before + 2000,
                        sent::get);
                TestNode again = cluster.launch(2, 1);
                Await.until("node3 back in the cluster while the traffic goes on", TestCluster.WAIT,
                        again.node::isSynced, () -> commitIndex(again) + " of " + commitIndex(nodes.get(0)));
                long at = sent.get();
                Await.until("traffic after the catch-up", TestCluster.WAIT, () -> sent.get() > at + 500, sent::get);
            } finally {
                stop.set(true);
                load.join();
            }
            TestNode leaderSide = nodes.get(0);
            TestNode node3 = cluster.node("node3");
            Await.until("node3 applied everything", TestCluster.WAIT,
                    () -> commitIndex(node3) == commitIndex(leaderSide),
                    () -> commitIndex(node3) + " of " + commitIndex(leaderSide));
            assertEquals(leaderSide.node.groups(), node3.node.groups());
        }
    }
}
