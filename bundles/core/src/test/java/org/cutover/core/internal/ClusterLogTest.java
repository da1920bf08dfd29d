package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.junit.Test;

/**
 * What the cluster log promises beyond one stable view: only a majority
 * commits, the checks hold at the point where an adjust is applied, state comes
 * back from the log after a full restart, and a listener may send from its
 * callback. Faults come from the network (DISCARD in the live stack) and from
 * closing channels, never from inside the kernel.
 */
public class ClusterLogTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static VersionRequest to(int level, String... groups) {
        return new VersionRequest(Set.of(groups), false, OptionalInt.of(level), false);
    }

    /** a new group starts at the highest level all nodes run (2 here): the tests adjust it down to 1 */
    private static VersionRequest down(int level, String... groups) {
        return new VersionRequest(Set.of(groups), false, OptionalInt.of(level), true);
    }

    /**
     * Waits for the status in the replicated state, which the checks at apply time read. The node's
     * {@code definedNode} shows a node missing from its own view as PARTITIONED before the leader's view entry is
     * applied; an adjust sent in that gap is applied (CI once: node3 was still ACTIVE in the log, the adjust
     * switched, and node3 takes it from the log when it is back).
     */
    private static void awaitStatus(TestNode observer, String node, NodeStatus status) {
        Await.until(observer.name + " to see " + node + " " + status + " in the log", TestCluster.WAIT,
                () -> observer.node.read(s -> s.definedNode(node)).map(d -> d.status() == status).orElse(false),
                () -> observer.node.read(s -> s.definedNodes()));
    }

    @Test
    public void aNewClusterElectsItsFirstLeaderWhenEveryPreVoteIsLost() throws Exception {
        // before any entry the log knows no node's address; the view coordinator must still see its majority
        // and start the vote ELECTION2 does not (its pre-vote waits for answers that never come)
        try (TestCluster cluster = new TestCluster("log-first-vote", 3).losePreVotes()) {
            List<TestNode> nodes = List.of(cluster.launch(0, 1), cluster.launch(1, 1), cluster.launch(2, 1));
            Await.until("a leader of the new cluster's log", java.time.Duration.ofSeconds(20),
                    () -> nodes.stream().allMatch(n -> n.node.hasLeader()),
                    () -> nodes.stream().map(TestCluster::raftState).toList());
            for (TestNode n : nodes) {
                cluster.awaitSynced(n);
            }
            RecordingListener l3 = new RecordingListener();
            Group g1 = nodes.get(0).node.join("first", new RecordingListener());
            nodes.get(2).node.join("first", l3);
            Await.until("both members in view", TestCluster.WAIT, () -> g1.members().size() == 2, g1::members);
            g1.send("after the first vote".getBytes(StandardCharsets.UTF_8));
            Await.until("node3 to deliver", TestCluster.WAIT, () -> l3.count() == 1, l3::texts);
            assertEquals(List.of("after the first vote"), l3.texts());
        }
    }

    /** the old kernel called listeners under its lock on the delivery thread: a send from there deadlocked */
    @Test
    public void aListenerMaySendFromItsCallback() throws Exception {
        try (TestCluster cluster = new TestCluster("log-callback", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Group[] self = new Group[1];
            List<String> echoed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            GroupListener echoes = new GroupListener() {
                @Override
                public void onMessage(Delivery d) {
                    String text = new String(d.payload(), StandardCharsets.UTF_8);
                    echoed.add(text);
                    if (text.startsWith("ping")) {
                        self[0].send(bytes("pong" + text.substring(4))); // waits for the commit, not for itself
                    }
                }
            };
            self[0] = nodes.get(0).node.join("echo", echoes);
            RecordingListener asker = new RecordingListener();
            Group other = nodes.get(1).node.join("echo", asker);
            for (int i = 0; i < 20; i++) {
                other.send(bytes("ping" + i));
            }
            Await.until("20 pongs at the asker", TestCluster.WAIT,
                    () -> asker.texts().stream().filter(t -> t.startsWith("pong")).count() == 20, asker::texts);
            Await.until("the echoing member saw its 20 pongs", TestCluster.WAIT, () -> echoed.size() == 40,
                    () -> echoed);
            assertEquals("both members saw one order", List.copyOf(echoed), asker.texts());
        }
    }

    /**
     * What a caller chains to a sendAsync stage runs off the log's thread: a chained send that waits for its own
     * commit returns, the stages complete in the order of the calls, and the log goes on meanwhile. Run on the log's
     * applier, the chained send waited for an apply only that thread could do, until the operation timed out.
     */
    @Test
    public void whatIsChainedToASendAsyncMaySendAndWait() throws Exception {
        try (TestCluster cluster = new TestCluster("log-chained", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Await.until("a leader", TestCluster.WAIT, () -> nodes.stream().anyMatch(n -> n.node.isLeader()),
                    () -> nodes.stream().map(TestCluster::raftState).toList());
            TestNode leader = nodes.stream().filter(n -> n.node.isLeader()).findFirst().orElseThrow();
            List<TestNode> followers = nodes.stream().filter(n -> n != leader).toList();
            for (TestNode sender : List.of(followers.get(0), leader)) {
                boolean leads = sender == leader;
                String group = "chained-" + sender.name;
                Group member = sender.node.join(group, new RecordingListener());
                RecordingListener other = new RecordingListener();
                followers.get(1).node.join(group, other);
                Await.until("both members in view", TestCluster.WAIT, () -> member.members().size() == 2,
                        member::members);
                List<String> completed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                List<CompletableFuture<Void>> chains = new java.util.ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    String text = "async" + i;
                    chains.add(member.sendAsync(bytes(text)).thenRun(() -> {
                        completed.add(text);
                        member.send(bytes("chained" + text.substring(5))); // waits for its commit
                    }).toCompletableFuture());
                }
                long t0 = System.nanoTime();
                CompletableFuture.allOf(chains.toArray(new CompletableFuture[0])).get(TestCluster.WAIT.toMillis(),
                        TimeUnit.MILLISECONDS);
                long tookMs = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(sender.name + (leads ? " (leader)" : "") + ": the chained sends took " + tookMs
                        + " ms, an operation timeout is 10 s", tookMs < 5_000);
                assertEquals("the stages completed in the order of the calls",
                        List.of("async0", "async1", "async2", "async3", "async4"), completed);
                Await.until("the other member got all 10", TestCluster.WAIT, () -> other.count() == 10, other::texts);
                // a stage complete before thenRun is attached runs its callback on this thread at once, so chained0
                // may be sent before async1 is: what holds is each sender's order and that chainedN follows asyncN
                List<String> got = other.texts();
                assertEquals("the async messages in order: " + got, List.of("async0", "async1", "async2", "async3",
                        "async4"), got.stream().filter(t -> t.startsWith("async")).toList());
                assertEquals("the chained messages in order: " + got, List.of("chained0", "chained1", "chained2",
                        "chained3", "chained4"), got.stream().filter(t -> t.startsWith("chained")).toList());
                for (int i = 0; i < 5; i++) {
                    assertTrue("chained" + i + " after async" + i + ": " + got,
                            got.indexOf("chained" + i) > got.indexOf("async" + i));
                }
            }
        }
    }

    /**
     * What is chained to a sendAsync stage and blocks holds up its own member only, as a slow listener does: the
     * node's other members go on getting what the log brings. On the log's applier it held up the whole node.
     */
    @Test
    public void whatIsChainedToASendAsyncAndBlocksHoldsUpOnlyItsMember() throws Exception {
        try (TestCluster cluster = new TestCluster("log-chained-blocks", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Group blocked = nodes.get(0).node.join("held", new RecordingListener());
            RecordingListener bystander = new RecordingListener();
            nodes.get(0).node.join("other", bystander);
            Group otherSender = nodes.get(1).node.join("other", new RecordingListener());
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch inCallback = new CountDownLatch(1);
            CompletableFuture<Void> chain = blocked.sendAsync(bytes("first"))
                    .thenRun(blocksUntil(inCallback, release)).toCompletableFuture();
            try {
                assertTrue("the chained callback runs", inCallback.await(TestCluster.WAIT.toMillis(),
                        TimeUnit.MILLISECONDS));
                for (int i = 0; i < 5; i++) {
                    otherSender.send(bytes("while-held" + i));
                }
                Await.until("node1's other member gets what node2 sent while the callback blocks",
                        java.time.Duration.ofSeconds(10), () -> bystander.count() == 5, bystander::texts);
            } finally {
                release.countDown();
            }
            chain.get(TestCluster.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** a callback that says it runs, then blocks until released */
    private static Runnable blocksUntil(CountDownLatch running, CountDownLatch release) {
        return () -> {
            running.countDown();
            try {
                release.await(TestCluster.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /**
     * A request's stage completes at its last reply, here the other node's (its member answers slowly), which came
     * by unicast. What is chained to it and blocks holds up only the asking member: an adjust that needs the other
     * node's confirmation, by unicast too, completes meanwhile. Completed on the thread that delivered the reply,
     * the callback held every later unicast from that node, the confirmation among them.
     */
    @Test
    public void whatIsChainedToARequestAndBlocksHoldsUpOnlyItsMember() throws Exception {
        try (TestCluster cluster = new TestCluster("log-chained-request", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            TestNode asker = nodes.get(0);
            TestNode answerer = nodes.get(1);
            GroupListener slowAnswer = new GroupListener() {
                @Override
                public void onMessage(Delivery d) {
                }

                @Override
                public byte[] onRequest(Delivery request) {
                    try {
                        Thread.sleep(300); // its reply comes last
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return bytes("answer");
                }
            };
            answerer.node.join("asked", slowAnswer);
            Group member = asker.node.join("asked", new RecordingListener());
            Group switched = asker.node.join("switched", new RecordingListener());
            answerer.node.join("switched", new RecordingListener());
            Await.until("the members at level 2", TestCluster.WAIT, () -> member.members().size() == 2
                    && member.level() == 2 && switched.members().size() == 2 && switched.level() == 2,
                    () -> member.members() + " level " + member.level() + ", " + switched.members() + " level "
                            + switched.level());
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch inCallback = new CountDownLatch(1);
            CompletableFuture<Void> chain = member.request(bytes("q"), java.time.Duration.ofSeconds(5))
                    .thenRun(blocksUntil(inCallback, release)).toCompletableFuture();
            try {
                assertTrue("the chained callback runs", inCallback.await(TestCluster.WAIT.toMillis(),
                        TimeUnit.MILLISECONDS));
                AdjustResult r = asker.versions.adjust(VersionRequest.of(1, "switched").withDowngrade());
                assertTrue("applied: " + r, r.applied());
                assertEquals("every member confirmed while the callback blocks", Map.of(), r.unconfirmed());
            } finally {
                release.countDown();
            }
            chain.get(TestCluster.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * sendAsync streams: every member queues thousands of messages at once. Each member's messages keep the order
     * of its calls, every member's whole log equals the common order, and each stage completes only once the
     * message is applied on the sender's node.
     */
    @Test
    public void asyncSendsFromEveryNodeKeepCallOrderAndOneCommonOrder() throws Exception {
        int perSender = 3000;
        try (TestCluster cluster = new TestCluster("log-async", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<org.cutover.core.internal.testing.DeliveryLog> logs = new java.util.ArrayList<>();
            List<Group> members = new java.util.ArrayList<>();
            for (TestNode n : nodes) {
                org.cutover.core.internal.testing.DeliveryLog log = new org.cutover.core.internal.testing.DeliveryLog(
                        null, d -> new String(d.payload(), StandardCharsets.UTF_8));
                Group g = n.node.join("stream", log);
                log.member(g.self().id());
                logs.add(log);
                members.add(g);
            }
            for (TestNode n : nodes) {
                Await.until(n.name + " sees 3 members", TestCluster.WAIT,
                        () -> n.node.group("stream").map(i -> i.members().size() == 3).orElse(false),
                        () -> n.node.group("stream"));
            }
            List<java.util.concurrent.CompletableFuture<Void>> sent =
                    java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            List<Thread> senders = new java.util.ArrayList<>();
            for (Group g : members) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perSender; i++) {
                        sent.add(g.sendAsync(bytes(String.format("%06d", i))).toCompletableFuture());
                    }
                });
                senders.add(t);
                t.start();
            }
            for (Thread t : senders) {
                t.join(TestCluster.WAIT.toMillis());
            }
            java.util.concurrent.CompletableFuture.allOf(sent.toArray(new java.util.concurrent.CompletableFuture[0]))
                    .get(TestCluster.WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertEquals(3 * perSender, sent.size());
            for (org.cutover.core.internal.testing.DeliveryLog log : logs) {
                Await.until("every message delivered", TestCluster.WAIT,
                        () -> messages(log).size() == 3 * perSender, () -> messages(log).size());
            }
            List<org.cutover.core.internal.testing.OrderInvariant.MemberLog> all = new java.util.ArrayList<>();
            logs.forEach(l -> all.addAll(l.logs()));
            org.cutover.core.internal.testing.OrderInvariant.Report report =
                    org.cutover.core.internal.testing.OrderInvariant.check(all);
            assertTrue(report.toString(), report.mismatches().isEmpty());
            assertTrue("compared " + report.compared(), report.compared() >= 3L * 3 * perSender);
            for (Group g : members) {
                List<String> fromG = messages(logs.get(0)).stream().filter(e -> e.startsWith(g.self().id() + ":"))
                        .map(e -> e.substring(e.indexOf(':') + 1)).toList();
                List<String> expected = java.util.stream.IntStream.range(0, perSender)
                        .mapToObj(i -> String.format("%06d", i)).toList();
                assertEquals(g.self().id() + "'s messages in call order", expected, fromG);
            }
        }
    }

    private static List<String> messages(org.cutover.core.internal.testing.DeliveryLog log) {
        return log.logs().stream().flatMap(l -> l.entries().stream())
                .filter(e -> e.kind() == org.cutover.core.internal.testing.OrderInvariant.Kind.MESSAGE)
                .map(e -> e.what()).toList();
    }

    /** a node cut off from the majority commits nothing: its sends fail, the majority never sees them */
    @Test
    public void aMinoritySendFailsFastAndNothingOfItIsDelivered() throws Exception {
        try (TestCluster cluster = new TestCluster("log-minority", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            RecordingListener seen = new RecordingListener();
            nodes.get(0).node.join("g", seen);
            Group cutOff = nodes.get(2).node.join("g", new RecordingListener());
            cutOff.send(bytes("before"));
            Await.until("node1 sees the message sent before the cut", TestCluster.WAIT,
                    () -> seen.texts().contains("before"), seen::texts);
            // node3 is not the leader if node1 or node2 is: make sure the cut takes the minority side
            TestNode minority = nodes.get(2);
            minority.cutOff();
            Await.until("node3 has no leader", TestCluster.WAIT, () -> !minority.node.hasLeader(),
                    () -> minority.node.hasLeader());
            long t0 = System.nanoTime();
            try {
                cutOff.send(bytes("during"));
                fail("a send on a minority was accepted");
            } catch (GroupException e) {
                assertEquals(e.getMessage(), ReasonCode.GROUP_PARTITIONED, e.code());
            }
            long micros = (System.nanoTime() - t0) / 1000;
            java.util.concurrent.ExecutionException async = org.junit.Assert.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> cutOff.sendAsync(bytes("during-async"))
                            .toCompletableFuture().get(TestCluster.WAIT.toMillis(),
                                    java.util.concurrent.TimeUnit.MILLISECONDS));
            assertEquals(async.getCause().toString(), ReasonCode.GROUP_PARTITIONED,
                    ((GroupException) async.getCause()).code());
            // the bound: the caller's wait for a leader (an election), not the commit time-out
            assertTrue("a send without a leader fails within " + CallerAppends.LEADER_WAIT_MILLIS + " ms and a"
                    + " second, not after the commit time-out: " + micros + " µs",
                    micros < (CallerAppends.LEADER_WAIT_MILLIS + 1000) * 1000);
            awaitStatus(nodes.get(0), "node3", NodeStatus.PARTITIONED);
            nodes.get(0).node.join("g2", new RecordingListener()).send(bytes("majority"));
            assertFalse("nothing of the minority was delivered", seen.texts().contains("during")
                    || seen.texts().contains("during-async"));
        }
    }

    /**
     * The check passed in the full view; by the time the adjust is applied a node has vanished. The entry is
     * checked again at apply time, from the replicated state, on every node alike: nothing switches.
     */
    @Test
    public void anAdjustCheckedBeforeASplitIsRefusedWhereItIsApplied() throws Exception {
        try (TestCluster cluster = new TestCluster("log-check-split", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            nodes.get(0).node.join("g", new RecordingListener());
            GroupInfo before = nodes.get(0).node.group("g").orElseThrow();
            assertEquals("a new group starts at the highest common level", 2, before.level());
            assertTrue(nodes.get(0).versions.check(down(1, "g")).passed());
            // the split happens between the check and the adjust's entry
            nodes.get(2).cutOff();
            awaitStatus(nodes.get(0), "node3", NodeStatus.PARTITIONED);
            AdjustWaiter waiter = new AdjustWaiter();
            nodes.get(0).node.sendAdjust(new Adjust("race-1", "node1", 1,
                    List.of(new GroupVersion("g", before.level(), before.epoch())), System.currentTimeMillis()),
                    waiter);
            assertTrue(waiter.awaitDelivery(TestCluster.WAIT));
            assertNull("not committed: " + waiter.failure(), waiter.failure());
            assertEquals(String.valueOf(waiter.result().why()), ReasonCode.GROUP_PARTITIONED,
                    waiter.result().refused());
            for (TestNode n : nodes.subList(0, 2)) {
                GroupInfo g = n.node.group("g").orElseThrow();
                assertEquals(n.name, before.level(), g.level());
                assertEquals(n.name, before.epoch(), g.epoch());
            }
        }
    }

    /**
     * Each side removes the other's nodes, then adjusts: the old kernel let both switch. Only the majority's
     * removal and adjust are committed; the healed minority ends with the majority's levels and history.
     */
    @Test
    public void removingPartitionedNodesThenAdjustingSwitchesOnlyTheMajority() throws Exception {
        try (TestCluster cluster = new TestCluster("log-remove-both", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            nodes.get(0).node.join("g", new RecordingListener());
            TestNode minority = nodes.get(2);
            minority.cutOff();
            awaitStatus(nodes.get(0), "node3", NodeStatus.PARTITIONED);
            Await.until("node3 has no leader", TestCluster.WAIT, () -> !minority.node.hasLeader(),
                    () -> minority.node.hasLeader());

            try {
                minority.node.removeNode("node1");
                fail("the minority removed a node");
            } catch (GroupException e) {
                assertTrue(e.getMessage(), e.code() == ReasonCode.GROUP_PARTITIONED
                        || e.code() == ReasonCode.NODE_ACTIVE || e.code() == ReasonCode.NOT_CONNECTED);
            }
            AdjustResult minorityAdjust = minority.versions.adjust(down(1, "g"));
            assertFalse("the minority switched", minorityAdjust.complete() || !minorityAdjust.newEpochs().isEmpty());

            nodes.get(0).node.removeNode("node3");
            AdjustResult majorityAdjust = nodes.get(1).versions.adjust(down(1, "g"));
            assertTrue(majorityAdjust.check().failures().toString(), majorityAdjust.complete());

            minority.channel().getProtocolStack().<org.jgroups.protocols.DISCARD>findProtocol(
                    org.jgroups.protocols.DISCARD.class).discardAll(false);
            for (TestNode n : nodes) {
                Await.until(n.name + " at the majority's level", TestCluster.WAIT,
                        () -> n.node.group("g").map(g -> g.level() == 1 && g.epoch() == 2).orElse(false),
                        () -> n.node.group("g"));
                assertEquals(n.name, 1, n.node.read(s -> s.history(Optional.of("g"))).size());
                assertTrue(n.name, n.node.definedNode("node3").isEmpty());
            }
        }
    }

    /**
     * All nodes stop at once while one of them missed the last adjust (it heard nothing for a while); after the
     * restart every node has the newest level, epoch and history from the log.
     */
    @Test
    public void aFullRestartWithDifferingEpochsComesBackAtTheNewest() throws Exception {
        try (TestCluster cluster = new TestCluster("log-restart-epochs", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            nodes.get(0).node.join("g", new RecordingListener());
            AdjustResult first = nodes.get(0).versions.adjust(down(1, "g"));
            assertTrue(first.toString(), first.complete());
            TestNode deaf = nodes.stream().filter(n -> !n.channel().getProtocolStack()
                    .<org.jgroups.protocols.raft.RAFT>findProtocol(org.jgroups.protocols.raft.RAFT.class).isLeader())
                    .reduce((a, b) -> b).orElseThrow();
            org.jgroups.protocols.DISCARD discard = deaf.channel().getProtocolStack()
                    .findProtocol(org.jgroups.protocols.DISCARD.class);
            discard.setUpDiscardRate(1.0); // it still sends heartbeats, so it stays ACTIVE, but hears nothing
            TestNode asker = nodes.stream().filter(n -> n != deaf).findFirst().orElseThrow();
            AdjustResult up = asker.versions.adjust(to(2, "g"));
            assertEquals(up.check().failures().toString(), java.util.Map.of("g", 3L), up.newEpochs());
            assertEquals("the deaf node missed the last adjust", 2, deaf.node.group("g").orElseThrow().epoch());
            for (TestNode n : nodes) {
                n.crash();
            }
            List<TestNode> again = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                again.add(cluster.launch(i, 1, 2));
            }
            for (TestNode n : again) {
                cluster.awaitSynced(n);
                Await.until(n.name + " at level 2, epoch 3 after the restart", TestCluster.WAIT,
                        () -> n.node.group("g").map(g -> g.level() == 2 && g.epoch() == 3).orElse(false),
                        () -> n.node.group("g"));
                assertEquals(n.name, 2, n.node.read(s -> s.history(Optional.of("g"))).size());
            }
        }
    }
}
