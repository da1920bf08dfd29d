package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.cutover.api.Member;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.cutover.core.internal.wire.Envelope.Hello;
import org.cutover.core.internal.wire.Envelope.Join;
import org.cutover.core.internal.wire.Envelope.Leave;
import org.cutover.core.internal.wire.Envelope.ViewChanged;
import org.junit.Test;

public class AdjustWaiterTest {

    /** nodes 1-3, group g with a member on nodes 1 and 3, switched by node1 */
    private static ClusterState.Result adjustOfG(ClusterState s) {
        for (String n : List.of("node1", "node2", "node3")) {
            assertTrue(s.hello(new Hello(n, "u-" + n, "127.0.0.1:1", new TreeSet<>(List.of(1, 2)), Map.of(),
                    List.of(), true, 0)).accepted());
        }
        assertTrue(s.viewChanged(new ViewChanged(1, 1, List.of("u-node1", "u-node2", "u-node3"))).accepted());
        assertTrue(s.join(new Join("g", "node1#1.1", "node1")).accepted());
        assertTrue(s.join(new Join("g", "node3#1.1", "node3")).accepted());
        return s.adjust(new Adjust("a", "node1", 2, List.of(new GroupVersion("g", 1, 1)), 1_000L));
    }

    @Test
    public void aNodeThatLeftTheViewIsNotWaitedForUntilTheTimeLimit() throws Exception {
        AdjustWaiter w = new AdjustWaiter();
        w.delivered(adjustOfG(new ClusterState()), Set.of("node1", "node2", "node3"), "node1");
        assertFalse("node3 has not confirmed and is still in the view", w.awaitConfirmations(Duration.ZERO));
        w.viewChanged(Set.of("node1", "node2"));
        assertTrue("node3 crashed: the caller stops waiting for it", w.awaitConfirmations(Duration.ZERO));
        assertEquals("and it is not counted as confirmed; the asking node confirmed for its own member",
                Set.of("node1"), w.confirmedNanos().keySet());
    }

    @Test
    public void whoMustConfirmIsWhoWasAMemberWhereTheAdjustWasApplied() throws Exception {
        ClusterState s = new ClusterState();
        AdjustWaiter w = new AdjustWaiter();
        w.delivered(adjustOfG(s), Set.of("node1", "node2", "node3"), "node1");
        w.confirmed("node3"); // before the caller worked out who must confirm
        assertTrue(s.leave(new Leave("g", "node3#1.1")).accepted()); // after the adjust: node3 still had to confirm
        assertEquals(Map.of("node1", List.of(new Member("node1", "node1#1.1")),
                "node3", List.of(new Member("node3", "node3#1.1"))), w.expected());
        assertTrue(w.awaitConfirmations(Duration.ZERO));
    }

    @Test
    public void aNodeGoneBeforeTheCallerLooksIsNotWaitedFor() throws Exception {
        AdjustWaiter w = new AdjustWaiter();
        w.delivered(adjustOfG(new ClusterState()), Set.of("node1", "node2"), "node1");
        assertTrue("node3 was not active where the adjust was applied", w.awaitConfirmations(Duration.ZERO));
        assertEquals(Set.of("node1"), w.confirmedNanos().keySet());
    }

    /**
     * Each confirmed node's members, with that node's time, node by node in the order of who must confirm: whether
     * the node confirmed before the caller worked out who must (node3) or after (node2); a node the caller's
     * snapshot of the confirmations lacks has none, even if it confirmed since
     */
    @Test
    public void eachConfirmedNodesMembersCarryItsTimeInTheOrderOfWhoMustConfirm() {
        ClusterState s = new ClusterState();
        for (String n : List.of("node1", "node2", "node3")) {
            assertTrue(s.hello(new Hello(n, "u-" + n, "127.0.0.1:1", new TreeSet<>(List.of(1, 2)), Map.of(),
                    List.of(), true, 0)).accepted());
        }
        assertTrue(s.viewChanged(new ViewChanged(1, 1, List.of("u-node1", "u-node2", "u-node3"))).accepted());
        for (String[] j : new String[][] {{"g", "node3#1.2"}, {"g", "node1#1.1"}, {"g", "node3#1.1"},
                {"h", "node2#1.1"}, {"h", "node3#1.3"}}) {
            assertTrue(s.join(new Join(j[0], j[1], j[1].substring(0, 5))).accepted());
        }
        ClusterState.Result r = s.adjust(new Adjust("a", "node1", 2, List.of(new GroupVersion("h", 1, 1),
                new GroupVersion("g", 1, 1)), 1_000L));
        AdjustWaiter w = new AdjustWaiter();
        w.delivered(r, Set.of("node1", "node2", "node3"), "node1");
        w.confirmed("node3");
        Map<String, List<Member>> expected = w.expected();
        w.confirmed("node2");
        Map<String, Long> confirmed = w.confirmedNanos();
        assertEquals(Set.of("node1", "node2", "node3"), confirmed.keySet());

        List<MemberConfirmation> made = new ArrayList<>();
        expected.forEach((node, members) -> members.forEach(m -> made.add(new MemberConfirmation(m,
                Duration.ofNanos(confirmed.get(node))))));
        assertEquals(List.of("node1", "node2", "node3"), List.copyOf(expected.keySet()));
        assertEquals(5, made.size());
        assertEquals(made, w.confirmations(confirmed.keySet()));
        assertEquals(made.stream().filter(c -> !c.member().node().equals("node2")).toList(),
                w.confirmations(Set.of("node1", "node3")));
    }
}
