package org.cutover.core.internal;

import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.NodeProcess;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.jgroups.Address;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.raft.util.CommitTable;
import org.junit.Test;

/**
 * A member whose process stops (SIGSTOP, as a stalled machine or a swapped-out
 * JVM would) keeps its TCP connections open: the kernel takes bytes for it
 * until its buffers are full, then a write to it blocks. The other two are a
 * majority and must commit meanwhile; the frozen node catches up once it runs
 * again. Its failure detection is removed on the two, so it stays in their
 * view for the whole stream (four times what the frozen node's socket buffers
 * take here).
 */
public class FrozenMemberTest {

    private static final int MESSAGES = 40_000;

    @Test
    public void theMajorityCommitsWhileAMemberProcessIsStopped() throws Exception {
        try (TestCluster cluster = new TestCluster("frozen-member", 3)) {
            List<TestNode> nodes = List.of(cluster.launch(0, 1), cluster.launch(1, 1));
            for (TestNode n : nodes) {
                cluster.awaitSynced(n);
            }
            try (NodeProcess frozen = NodeProcess.start(cluster, 2)) {
                for (TestNode n : nodes) {
                    n.channel().getProtocolStack().removeProtocol(FD_ALL3.class);
                }
                List<Group> groups = new ArrayList<>();
                for (TestNode n : nodes) {
                    groups.add(n.node.join("g", new RecordingListener()));
                }
                Await.until("a leader here", TestCluster.WAIT, () -> cluster.leader().isPresent(),
                        cluster::raftStates);
                TestNode leader = cluster.leader().orElseThrow();
                TestNode writer = nodes.get(0) == leader ? nodes.get(1) : nodes.get(0);
                RAFT raft = leader.channel().getProtocolStack().findProtocol(RAFT.class);
                Address frozenAddress = leader.channel().getView().getMembers().stream()
                        .filter(a -> a.toString().equals(frozen.name())).findFirst().orElseThrow();
                Await.until(frozen.name() + " has the leader's log", TestCluster.WAIT,
                        () -> matchIndex(raft, frozenAddress) >= raft.commitIndex(), cluster::raftStates);

                frozen.freeze();
                long start = System.nanoTime();
                byte[] payload = new byte[1024];
                Group g = groups.get(nodes.indexOf(writer));
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    sends.add(g.sendAsync(payload).toCompletableFuture());
                }
                Await.until("every send committed with " + frozen.name() + " stopped", TestCluster.WAIT,
                        () -> sends.stream().allMatch(CompletableFuture::isDone),
                        () -> sends.stream().filter(CompletableFuture::isDone).count() + " of " + MESSAGES
                                + " done; " + cluster.raftStates());
                for (CompletableFuture<Void> f : sends) {
                    f.get();
                }
                System.out.printf("FrozenMemberTest: %d × 1 KB committed in %d ms with %s stopped%n", MESSAGES,
                        (System.nanoTime() - start) / 1_000_000, frozen.name());
                assertTrue(frozen.name() + " stayed in the leader's view (else this proves nothing)",
                        leader.channel().getView().containsMember(frozenAddress));

                long committed = raft.commitIndex();
                frozen.thaw();
                Await.until(frozen.name() + " caught up after it runs again", TestCluster.WAIT,
                        () -> matchIndex(raft, frozenAddress) >= committed,
                        () -> frozen.name() + " has " + matchIndex(raft, frozenAddress) + " of " + committed + "; "
                                + cluster.raftStates());
            }
        }
    }

    private static long matchIndex(RAFT leader, Address member) {
        CommitTable table = leader.commitTable();
        CommitTable.Entry e = table == null ? null : table.get(member);
        return e == null ? -1 : e.matchIndex();
    }
}
