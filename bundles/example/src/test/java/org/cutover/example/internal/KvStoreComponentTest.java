package org.cutover.example.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.junit.After;
import org.junit.Test;

/** The store against a hand-written ordered bus: several members, one order. */
public class KvStoreComponentTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final FakeBus bus = new FakeBus();
    private final List<KvStoreComponent> stores = new ArrayList<>();

    private KvStoreComponent start(FakeBus.FakeGroupService node) {
        KvStoreComponent store = new KvStoreComponent(node, bus.batches(), Duration.ofMillis(10));
        stores.add(store);
        return store;
    }

    private KvStoreComponent joined(String node) throws InterruptedException {
        KvStoreComponent store = start(bus.node(node));
        assertTrue("joined within " + DEADLINE, store.awaitJoined(DEADLINE));
        return store;
    }

    @After
    public void stopAll() {
        stores.forEach(KvStoreComponent::deactivate);
    }

    @Test
    public void everyMemberAppliesEveryWriteInOneOrderAndVerifyAgrees() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        KvStoreComponent c = joined("node3");
        a.put("colour", "red");
        b.put("colour", "blue");
        c.put("size", "9");
        a.put("shape", "round");

        for (KvStoreComponent s : List.of(a, b, c)) {
            assertEquals(Optional.of("blue"), s.get("colour"));
            assertEquals(3, s.size());
            KvStats stats = s.stats();
            assertTrue(stats.joined());
            // the same four messages at the same positions on every member: one chain
            assertEquals(new ApplyCounters(4, 4, 0, 0, 0, 0, a.stats().counters().chain()), stats.counters());
            assertEquals(2, stats.level());
            assertEquals(3, stats.members());
        }
        assertEquals(2, a.stats().sent());
        assertEquals(1, b.stats().sent());

        VerifyReport report = b.verify(DEADLINE);
        assertTrue(report.agreed());
        assertEquals(3, report.digests().size());
        assertEquals(1, report.digests().values().stream().distinct().count());
        assertEquals(3, report.digests().values().iterator().next().entries());
        assertEquals(2, report.level());
    }

    @Test
    public void aBatchIsAppliedWholeAtOnePositionAndRefusedBelowLevelThree() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        a.put("x", "0");
        FunctionUnavailableException refused = assertThrows(FunctionUnavailableException.class,
                () -> a.putAll(new java.util.TreeMap<>(java.util.Map.of("x", "1", "y", "1"))));
        assertTrue(refused.getMessage(), refused.getMessage().contains("level 2"));
        assertEquals("nothing of the refused batch is applied", Optional.of("0"), b.get("x"));
        assertEquals(1, b.size());

        bus.level = 3;
        a.putAll(new java.util.TreeMap<>(java.util.Map.of("x", "1", "y", "1", "z", "1")));
        a.put("w", "2");
        for (KvStoreComponent s : List.of(a, b)) {
            assertEquals(Optional.of("1"), s.get("x"));
            assertEquals(4, s.size());
            // five writes with counters 1 to 5 from one sender: the refused batch used up no counter
            assertEquals(new ApplyCounters(5, 3, 0, 0, 0, 0, a.stats().counters().chain()), s.stats().counters());
        }
        assertEquals(5, a.stats().sent());
        VerifyReport report = b.verify(DEADLINE);
        assertTrue("the batch's keys carry one position on every member", report.agreed());
        assertThrows(IllegalArgumentException.class, () -> a.putAll(new java.util.TreeMap<>()));
    }

    @Test
    public void aStoreWhoseMemberTheClusterRemovedJoinsAgainAndCountsItsWritesFromOne() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        b.put("k", "1");
        b.put("k", "2");
        Member removed = bus.members().get(1);
        bus.fail(removed);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!b.stats().joined() || bus.members().size() < 2) {
            assertTrue("joined again within " + DEADLINE + ": " + b.stats(), System.nanoTime() < deadline);
            Thread.sleep(5);
        }
        assertFalse("a new member", bus.members().contains(removed));
        b.put("k", "3");
        assertEquals(Optional.of("3"), a.get("k"));
        assertEquals("the new member's writes count from 1: nothing looks lost", 0, a.stats().counters().lost());
        assertEquals(3, b.stats().sent());
    }

    @Test
    public void verifyFindsAMemberWhoseMapDiffers() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        a.put("k", "v");
        Member bSelf = bus.members().get(1);
        bus.sendOnlyTo(bSelf, bSelf, new Write(99, "stray", "x").encode());

        VerifyReport report = a.verify(DEADLINE);
        assertFalse(report.agreed());
        assertEquals(1, report.digests().get(bus.members().get(0)).entries());
        assertEquals(2, report.digests().get(bSelf).entries());
        // b saw counter 99 from a sender it had seen nothing from: counters 1 … 98 lost
        assertEquals(98, b.stats().counters().lost());
        assertEquals(0, a.stats().counters().lost());
    }

    @Test
    public void verifyCountsAMemberThatDoesNotAnswer() throws Exception {
        KvStoreComponent a = joined("node1");
        FakeBus.FakeGroupService node2 = bus.node("node2");
        start(node2).awaitJoined(DEADLINE);
        node2.last.silent = true;
        VerifyReport report = a.verify(DEADLINE);
        assertFalse(report.agreed());
        assertEquals(java.util.Set.of(node2.last.self), report.timedOut());
    }

    @Test
    public void verifyAtLevelOneIsRefusedNamingTheLevel() throws Exception {
        bus.level = 1;
        KvStoreComponent a = joined("node1");
        a.put("k", "v");
        FunctionUnavailableException e = assertThrows(FunctionUnavailableException.class, () -> a.verify(DEADLINE));
        assertEquals(1, e.level());
        assertEquals(InfraFunction.REQUEST_ALL, e.function());
        assertTrue(e.getMessage(), e.getMessage().contains("level 1"));
    }

    @Test
    public void beforeTheJoinIsInTheStoreSaysNotJoinedYet() throws Exception {
        FakeBus.FakeGroupService node = bus.node("node1");
        node.gate = new CountDownLatch(1);
        KvStoreComponent a = start(node);
        NotJoinedException e = assertThrows(NotJoinedException.class, () -> a.put("k", "v"));
        assertEquals("group kv not joined yet on this node: joining", e.getMessage());
        assertThrows(NotJoinedException.class, () -> a.get("k"));
        assertThrows(NotJoinedException.class, () -> a.verify(DEADLINE));
        assertFalse(a.stats().joined());
        assertNull(a.stats().member());

        node.gate.countDown();
        assertTrue(a.awaitJoined(DEADLINE));
        a.put("k", "v");
        assertEquals(Optional.of("v"), a.get("k"));
        assertEquals("node1#1", a.stats().member());
    }

    @Test
    public void aFailedJoinIsRetriedAndItsReasonShown() throws Exception {
        FakeBus.FakeGroupService node = bus.node("node1");
        node.failuresLeft.set(3);
        node.gate = new CountDownLatch(1);
        KvStoreComponent a = new KvStoreComponent(node, bus.batches(), Duration.ofMillis(300));
        stores.add(a);
        node.gate.countDown();
        // the first attempt fails at once; the next comes 300 ms later
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (a.stats().joinStatus().equals("joining") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals("joining, attempt 1 failed: NOT_CONNECTED: node node1 has not learnt the cluster state",
                a.stats().joinStatus());
        assertTrue(a.awaitJoined(DEADLINE));
        assertEquals(4, node.joinCalls.get());
    }

    @Test
    public void deactivationLeavesTheGroupAndStopsTheLoad() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        a.load(1_000_000, 200, KvStore.DEFAULT_LOAD_KEYS);
        assertEquals(2, bus.members().size());
        a.deactivate();
        assertEquals(LoadProgress.State.STOPPED, a.loadProgress().state());
        assertEquals(1, bus.members().size());
        long appliedAtB = b.stats().counters().applied();
        assertEquals(a.stats().sent(), appliedAtB);
        Thread.sleep(100);
        assertEquals("no write after the load stopped", appliedAtB, b.stats().counters().applied());
        NotJoinedException e = assertThrows(NotJoinedException.class, () -> a.put("k", "v"));
        assertEquals("group kv not joined yet on this node: the store is stopped", e.getMessage());
    }

    @Test
    public void aJoinThatCompletesAfterDeactivationIsLeftAtOnce() throws Exception {
        FakeBus.FakeGroupService node = bus.node("node1");
        node.gate = new CountDownLatch(1);
        KvStoreComponent a = start(node);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (node.joinCalls.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        a.deactivate();
        node.gate.countDown();
        while (node.last == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        while (!node.last.left && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue("the late join was left", node.last.left);
        assertEquals(List.of(), bus.members());
        assertFalse(a.stats().joined());
    }

    /**
     * A send that failed without a definite answer may still be applied (the cluster's NOT_CONNECTED says "it may
     * still be"): its counter is used up and noted as in doubt, so a late commit never repeats a counter, and the
     * next write names it, so the members do not count it lost if it never comes. A refusal before sending
     * (GROUP_PARTITIONED) leaves the counter free.
     */
    @Test
    public void aSendWithoutADefiniteAnswerUsesUpItsCounterAndARefusalDoesNot() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        a.put("x", "1");
        bus.failNextSend(new GroupException(ReasonCode.NOT_CONNECTED, "not applied within 10 s; it may still be"),
                true);
        assertThrows(GroupException.class, () -> a.put("x", "2"));
        bus.failNextSend(new GroupException(ReasonCode.NOT_CONNECTED, "not applied within 10 s; it may still be"),
                false);
        assertThrows(GroupException.class, () -> a.put("x", "3"));
        bus.failNextSend(new GroupException(ReasonCode.GROUP_PARTITIONED, "nothing is sent"), false);
        assertThrows(GroupException.class, () -> a.put("x", "4"));
        a.put("x", "5");

        String member = a.stats().member();
        KvStats seen = b.stats();
        assertEquals("no counter repeated", 0, seen.counters().duplicated());
        assertEquals("the write after them named 2 and 3 in doubt: 3, never applied, is not lost", 0,
                seen.counters().lost());
        assertEquals(java.util.Map.of(), seen.missing());
        assertEquals(java.util.Map.of(member, new java.util.TreeSet<>(List.of(2L, 3L))), a.stats().inDoubt());
        assertEquals(java.util.Map.of(member, 4L), a.stats().acknowledged());
        assertEquals(Optional.of("5"), b.get("x"));
    }
}
