package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.DeliveryLog;
import org.cutover.core.internal.testing.OrderInvariant;
import org.cutover.core.internal.testing.OrderInvariant.MemberLog;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.jgroups.protocols.raft.RAFT;
import org.junit.Test;

/**
 * A leader cut off mid-burst appends entries that nobody else ever stores;
 * the others elect a leader and go on. After the heal the deposed leader must
 * drop those entries and take the new leader's: it must never apply them.
 * jgroups-raft 1.1.4's own follower can (it commits up to the leader's commit
 * index on a commit message without checking its log; ChaosTest hit it), which
 * is why the shipped stack names {@code org.cutover.jgroups.raft.CheckedRAFT}.
 * Whether a commit message reaches the old leader before the new leader's
 * repair of its log is a race: with {@code raft.RAFT} in the stack this test
 * passed 4 runs of 4 here (the repair came first, 7 entries deleted within
 * 40 ms of the merge). The jgroups module's CheckedFollowerTest sends the two
 * in the losing order and fails on RAFT's own follower. This test keeps the
 * whole path honest: every member's log and every node's log compared.
 */
public class DeposedLeaderTest {

    private static final int STALE_SENDS = 300;

    @Test
    public void aDeposedLeadersUncommittedEntriesAreNeverApplied() throws Exception {
        try (TestCluster cluster = new TestCluster("deposed", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<DeliveryLog> logs = new ArrayList<>();
            List<Group> members = new ArrayList<>();
            for (TestNode n : nodes) {
                DeliveryLog log = new DeliveryLog(null, d -> new String(d.payload(), StandardCharsets.UTF_8));
                Group g = n.node.join("g", log);
                log.member(g.self().id());
                logs.add(log);
                members.add(g);
            }
            for (TestNode n : nodes) {
                Await.until(n.name + " sees 3 members", TestCluster.WAIT,
                        () -> n.node.group("g").map(i -> i.members().size() == 3).orElse(false),
                        () -> n.node.group("g"));
            }
            Await.until("a leader", TestCluster.WAIT, () -> cluster.leader().isPresent(), cluster::raftStates);
            TestNode old = cluster.leader().orElseThrow();
            List<TestNode> others = nodes.stream().filter(n -> n != old).toList();
            Group onOld = members.get(nodes.indexOf(old));
            Group onOther = members.get(nodes.indexOf(others.get(0)));
            long committed = old.commitIndex();

            cluster.split(List.of(old), others);
            // the old leader appends these before failure detection takes its majority away: nobody stores them
            for (int i = 0; i < STALE_SENDS; i++) {
                onOld.sendAsync(bytes("stale-" + i));
            }
            Await.until(old.name + " holding entries nobody else has", TestCluster.WAIT,
                    () -> raft(old).lastAppended() > committed, cluster::raftStates);
            Await.until("a new leader among " + others.get(0).name + " and " + others.get(1).name,
                    TestCluster.WAIT, () -> others.stream().anyMatch(TestNode::isLeader), cluster::raftStates);

            // the new leader commits more than the old one appended, and keeps committing through the heal:
            // each commit sends its commit index to every follower, the deposed leader included
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicReference<String> lastSent = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                for (int i = 0; sending.get(); i++) {
                    try {
                        onOther.send(bytes("new-" + i));
                        lastSent.set("new-" + i);
                    } catch (GroupException e) {
                        // a member left behind by the heal's view changes: the next send goes on
                    }
                }
            }, "new-leader-writer");
            writer.start();
            try {
                Thread.sleep(2_000);
                cluster.heal();
                Await.until("one view of all three again", TestCluster.WAIT, () -> nodes.stream()
                        .allMatch(n -> n.channel().getView().size() == 3), cluster::raftStates);
                Thread.sleep(2_000);
            } finally {
                sending.set(false);
                writer.join(TestCluster.WAIT.toMillis());
            }

            Await.until("every log caught up with the leader's", TestCluster.WAIT, () -> {
                long max = nodes.stream().mapToLong(TestNode::commitIndex).max().orElse(0);
                return nodes.stream().allMatch(n -> n.commitIndex() == max && raft(n).lastAppended() == max);
            }, cluster::raftStates);
            Await.until("one state of the group everywhere", TestCluster.WAIT, () -> nodes.stream()
                    .map(n -> n.node.group("g").map(g -> List.of(g.level(), g.epoch(), g.members())).orElse(null))
                    .distinct().count() == 1, () -> nodes.stream().map(n -> n.node.group("g")).toList());
            List<String> stillMembers = nodes.get(0).node.group("g").orElseThrow().members().stream()
                    .map(m -> m.id()).toList();
            List<MemberLog> all = new ArrayList<>();
            for (int i = 0; i < logs.size(); i++) {
                DeliveryLog log = logs.get(i);
                if (!stillMembers.contains(members.get(i).self().id())) {
                    log.left(); // dropped while cut off: its log may stop early, not differ
                } else {
                    log.awaitMessage(nodes.get(i).name, lastSent.get());
                }
                all.addAll(log.logs());
            }
            OrderInvariant.Report report = OrderInvariant.check(all);
            assertEquals(report.toString(), List.of(), report.mismatches());
            assertTrue("compared " + report.compared(), report.compared() > 0);
            long from = nodes.stream().mapToLong(n -> raft(n).log().firstAppended() + 1).max().orElseThrow();
            for (TestNode n : nodes) {
                assertEquals(n.name + "'s log from index " + from + ", entry by entry", entries(old, from),
                        entries(n, from));
            }
        }
    }

    private static RAFT raft(TestNode n) {
        return n.channel().getProtocolStack().findProtocol(RAFT.class);
    }

    /** index, term and content of every entry of the node's log from {@code from} on */
    private static List<String> entries(TestNode n, long from) {
        RAFT r = raft(n);
        List<String> out = new ArrayList<>();
        for (long i = from; i <= r.lastAppended(); i++) {
            var e = r.log().get(i);
            out.add(i + ":" + e.term() + ":" + java.util.Arrays.hashCode(java.util.Arrays.copyOfRange(
                    e.command(), e.offset(), e.offset() + e.length())));
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
