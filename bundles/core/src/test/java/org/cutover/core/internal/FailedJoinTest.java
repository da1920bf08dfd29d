package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.Member;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * A join that fails after the log committed it leaves no member behind that
 * nobody runs: such a member is asked for every later joiner's state, in vain.
 */
public class FailedJoinTest {

    /**
     * The joiner gets no state (its provider's listener throws), and when it gives up and undoes its join no node
     * sees a majority, so the leave is refused. Once the joiner's node and the provider's see each other again the
     * leave goes in. Before, it was refused
     * once and dropped: the member stayed listed, and every later join of the group asked it for state.
     */
    @Test
    public void aJoinUndoneWhileNoLeaderCouldTakeItsLeaveLeavesNoMemberBehind() throws Exception {
        try (TestCluster cluster = new TestCluster("failed-join", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Await.until("a leader", TestCluster.WAIT, () -> cluster.leader().isPresent(), cluster::raftStates);
            TestNode joiner = nodes.stream().filter(n -> !n.isLeader()).findFirst().orElseThrow();
            List<TestNode> others = nodes.stream().filter(n -> n != joiner).toList();
            Group provider = others.get(0).node.join("g", new GroupListener() {
                @Override
                public void onMessage(Delivery delivery) {
                }

                @Override
                public byte[] stateForJoiner() {
                    throw new IllegalStateException("no state to give (the test's fault)");
                }
            });

            CompletableFuture<Group> join = CompletableFuture.supplyAsync(
                    () -> joiner.node.join("g", new RecordingListener()));
            Await.until("the join of " + joiner.name + " committed", TestCluster.WAIT,
                    () -> members(joiner).size() == 2, () -> members(joiner).toString());
            // no majority anywhere: no leader takes the leave, and none records a node as gone (which would drop
            // its members by itself)
            cluster.split(List.of(joiner), others);
            cluster.split(List.of(others.get(0)), List.of(others.get(1)));
            try {
                join.get(TestCluster.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                fail("the join got a state no member gave");
            } catch (java.util.concurrent.ExecutionException e) {
                assertEquals(GroupException.class, e.getCause().getClass());
            }
            // the provider's node and the joiner's come back together first: a majority holding both, so the leave
            // goes in as the joiner's node owes it, and the provider's node is never recorded as gone (which drops
            // its members: the whole heal once merged the other two first, and the provider went with node1)
            TestNode providers = others.get(0);
            cluster.heal(providers, joiner);
            List<Member> only = List.of(provider.self());
            Await.until(providers.name + " lists only " + only + " in group g, before the third node is back",
                    TestCluster.WAIT, () -> members(providers).equals(only),
                    () -> members(providers) + "; " + cluster.raftStates());
            cluster.heal();

            for (TestNode n : nodes) {
                Await.until(n.name + " lists only " + only + " in group g", TestCluster.WAIT,
                        () -> members(n).equals(only), () -> members(n) + "; " + cluster.raftStates());
            }
        }
    }

    private static List<Member> members(TestNode n) {
        return n.node.group("g").map(GroupInfo::members).orElse(List.of());
    }
}
