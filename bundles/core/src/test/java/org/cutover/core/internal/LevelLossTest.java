package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.api.MembershipChange;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * A node that loses the level its group runs at, before the cluster has heard of it, cannot decode what arrives at
 * that level. Its member must not skip those messages and go on (a gap): it leaves at that point of the stream.
 */
public class LevelLossTest {

    /** node2's member: numbers of the messages delivered, and whether it was told it had to leave */
    private static final class Receiver implements GroupListener {
        final List<Integer> numbers = new ArrayList<>();
        volatile boolean leftIncapable;
        final CountDownLatch firstArrived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void onMessage(Delivery d) {
            synchronized (numbers) {
                numbers.add(Integer.parseInt(new String(d.payload(), StandardCharsets.UTF_8)));
            }
            if (firstArrived.getCount() == 1) {
                firstArrived.countDown();
                try {
                    // stalls node2's ordered delivery, so what follows is already sent when the level goes
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onMembershipChange(MembershipChange c) {
            if (c.reason() == MembershipChange.Reason.NODE_INCAPABLE) {
                leftIncapable = true;
            }
        }

        List<Integer> numbers() {
            synchronized (numbers) {
                return new ArrayList<>(numbers);
            }
        }
    }

    /**
     * With the log, a message is decoded when it is applied, not when the member's thread delivers it: what was
     * applied before the level went is decodable and delivered (the old test expected the stalled messages to be
     * lost, which the log no longer does). The property is the same: from the point where node2 lost level 2, the
     * first level-2 message applied there, or the ordered CapabilityChanged that removes node2's members,
     * whichever comes first, ends its member with NODE_INCAPABLE; it never skips a message and stays.
     */
    @Test
    public void aMemberWhoseNodeLosesTheLevelLeavesRatherThanSkipMessages() throws Exception {
        try (TestCluster cluster = new TestCluster("level-loss", 2)) {
            List<TestNode> nodes = cluster.startAll(2, 1, 2);
            TestNode sender = nodes.get(0);
            TestNode loser = nodes.get(1);
            Group from = sender.node.join("g", new org.cutover.core.internal.testing.RecordingListener());
            Receiver receiver = new Receiver();
            receiver.release.countDown(); // no stall: decoding happens where the log is applied
            loser.node.join("g", receiver);
            Await.until("two members", TestCluster.WAIT, () -> from.members().size() == 2, from::members);
            assertEquals("a group made where every node runs 1 and 2 starts at 2", 2, from.level());

            for (int i = 1; i <= 20; i++) {
                from.send(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until("node2's member saw 1..20", TestCluster.WAIT, () -> receiver.numbers().size() == 20,
                    receiver::numbers);
            // node2 loses level 2; every message sent from here on is applied at node2 after the loss
            loser.infra.remove(loser.infra.protocol(2).orElseThrow());
            for (int i = 21; i <= 120; i++) {
                from.send(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("the group stays at level 2 for the nodes that run it", 2, from.level());

            Await.until("node2's member gone from the group", TestCluster.WAIT,
                    () -> from.members().size() == 1, from::members);
            Await.until("node2's member told it left as NODE_INCAPABLE", TestCluster.WAIT,
                    () -> receiver.leftIncapable, receiver::numbers);
            Await.until("node2's replica without its member", TestCluster.WAIT,
                    () -> loser.node.group("g").map(g -> g.members().size() == 1).orElse(false),
                    () -> loser.node.group("g"));
            Thread.sleep(200); // anything wrongly queued after the leave would show up by now
            List<Integer> seen = receiver.numbers();
            for (int i = 0; i < seen.size(); i++) {
                assertEquals("node2's member saw a gap: " + seen, i + 1, (int) seen.get(i));
            }
            assertEquals("it decoded exactly what was applied before the loss: " + seen, 20, seen.size());
        }
    }
}
