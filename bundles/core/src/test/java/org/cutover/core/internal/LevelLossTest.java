package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.api.MembershipChange;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
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

    @Test
    public void aMemberWhoseNodeLosesTheLevelLeavesRatherThanSkipMessages() throws Exception {
        try (TestCluster cluster = new TestCluster("level-loss", 2)) {
            List<TestNode> nodes = cluster.startAll(2, 1, 2);
            TestNode sender = nodes.get(0);
            TestNode loser = nodes.get(1);
            Group from = sender.node.join("g", new org.cutover.core.internal.testing.RecordingListener());
            Receiver receiver = new Receiver();
            loser.node.join("g", receiver);
            Await.until("two members", TestCluster.WAIT, () -> from.members().size() == 2, from::members);
            assertEquals("a group made where every node runs 1 and 2 starts at 2", 2, from.level());

            for (int i = 1; i <= 50; i++) {
                from.send(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(receiver.firstArrived.await(30, TimeUnit.SECONDS));
            // the switch down is ordered behind messages 2..50 (level 2); it completes once node2 confirms
            CompletableFuture<AdjustResult> down = CompletableFuture.supplyAsync(() -> sender.versions.adjust(
                    VersionRequest.allGroups(OptionalInt.of(1)).withDowngrade()));
            Await.until("the sender at level 1", TestCluster.WAIT, () -> from.level() == 1, from::level);
            for (int i = 51; i <= 100; i++) {
                from.send(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            // node2 loses level 2 while 2..50 still wait for it: its announcement is ordered after all of them
            loser.infra.remove(loser.infra.protocol(2).orElseThrow());
            receiver.release.countDown();
            assertTrue(down.get(60, TimeUnit.SECONDS).toString(), down.get().applied());

            Await.until("node2's member gone from the group", TestCluster.WAIT,
                    () -> from.members().size() == 1, from::members);
            List<Integer> seen = receiver.numbers();
            for (int i = 0; i < seen.size(); i++) {
                assertEquals("node2's member saw a gap: " + seen, i + 1, (int) seen.get(i));
            }
            assertEquals("it could decode message 1 only: " + seen, List.of(1), seen);
            assertTrue("it was told it left because its node cannot run the level", receiver.leftIncapable);
        }
    }
}
