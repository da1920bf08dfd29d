package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/** Each member has its own ordered delivery; the node's members share a pool of threads. */
public class MemberDeliveryTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void aBlockedListenerHoldsUpOnlyItsOwnMember() throws Exception {
        try (TestCluster cluster = new TestCluster("deliver-slow", 2)) {
            List<TestNode> nodes = cluster.startAll(2, 1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1);
            List<String> seenByBlocked = java.util.Collections.synchronizedList(new ArrayList<>());
            GroupListener blocking = new GroupListener() {
                @Override
                public void onMessage(Delivery d) {
                    seenByBlocked.add(new String(d.payload(), StandardCharsets.UTF_8));
                    blocked.countDown();
                    try {
                        release.await(TestCluster.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            nodes.get(0).node.join("a", blocking);
            RecordingListener sameGroupSameNode = new RecordingListener();
            nodes.get(0).node.join("a", sameGroupSameNode);
            RecordingListener otherGroup = new RecordingListener();
            nodes.get(0).node.join("b", otherGroup);
            Group sender = nodes.get(1).node.join("a", new RecordingListener());
            Group senderB = nodes.get(1).node.join("b", new RecordingListener());
            sender.send(bytes("a1"));
            assertTrue("the blocking listener got a1", blocked.await(TestCluster.WAIT.toMillis(),
                    TimeUnit.MILLISECONDS));
            sender.send(bytes("a2"));
            senderB.send(bytes("b1"));
            Await.until("the other members of node1 go on while one listener is blocked", TestCluster.WAIT,
                    () -> sameGroupSameNode.texts().equals(List.of("a1", "a2"))
                            && otherGroup.texts().equals(List.of("b1")),
                    () -> sameGroupSameNode.texts() + " " + otherGroup.texts());
            assertEquals("the blocked member is still at a1", List.of("a1"), List.copyOf(seenByBlocked));
            release.countDown();
            Await.until("the blocked member catches up in order", TestCluster.WAIT,
                    () -> seenByBlocked.equals(List.of("a1", "a2")), () -> seenByBlocked);
        }
    }

    /**
     * A thread per member cost 5,866 threads in a benchmark JVM (1,000 groups on 5 nodes). 300 members of 300
     * groups on one node, each delivered to, must not cost a thread each.
     */
    @Test
    public void manyMembersShareAFewThreads() throws Exception {
        int groups = 300;
        try (TestCluster cluster = new TestCluster("deliver-many", 1)) {
            TestNode node = cluster.startAll(1, 1).get(0);
            int threadsBefore = Thread.activeCount();
            List<RecordingListener> listeners = new ArrayList<>();
            List<Group> members = new ArrayList<>();
            for (int i = 0; i < groups; i++) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                members.add(node.node.join("g" + i, l));
            }
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (Group g : members) {
                    sent.add(g.sendAsync(bytes("m" + round)).toCompletableFuture());
                }
            }
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0]))
                    .get(TestCluster.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            for (RecordingListener l : listeners) {
                Await.until("every member got its 3 messages in order", TestCluster.WAIT,
                        () -> l.texts().equals(List.of("m0", "m1", "m2")), l::texts);
            }
            int added = Thread.activeCount() - threadsBefore;
            assertTrue(groups + " members added " + added + " threads", added < groups / 3);
        }
    }
}
