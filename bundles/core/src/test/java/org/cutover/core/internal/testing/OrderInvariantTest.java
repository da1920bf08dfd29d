package org.cutover.core.internal.testing;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.cutover.api.Delivery;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.core.internal.testing.OrderInvariant.Entry;
import org.cutover.core.internal.testing.OrderInvariant.Kind;
import org.cutover.core.internal.testing.OrderInvariant.MemberLog;
import org.cutover.core.internal.testing.OrderInvariant.Report;
import org.junit.Test;

public class OrderInvariantTest {

    private static final Entry JOIN_A = Entry.change(Kind.JOIN, List.of("a#1"));
    private static final Entry JOIN_B = Entry.change(Kind.JOIN, List.of("b#1"));
    private static final Entry JOIN_C = Entry.change(Kind.JOIN, List.of("c#1"));
    private static final Entry LEAVE_A = Entry.change(Kind.LEAVE, List.of("a#1"));
    private static final Entry TO_2 = Entry.adjust(1, 2, 2);

    /** the one order of group g: b and c join late, a leaves before the end */
    private static final List<Entry> ORDER = List.of(
            JOIN_A,                                // 0
            Entry.message("a#1", "1", 1),          // 1
            JOIN_B,                                // 2
            Entry.message("a#1", "2", 3),          // 3
            Entry.message("b#1", "1", 4),          // 4
            TO_2,                                  // 5
            Entry.message("b#1", "2", 6),          // 6
            JOIN_C,                                // 7
            Entry.message("c#1", "1", 8),          // 8
            Entry.message("a#1", "3", 9),          // 9
            LEAVE_A,                               // 10
            Entry.message("b#1", "3", 12),         // 11
            Entry.message("c#1", "2", 13));        // 12

    /**
     * Both checkers on the same logs: the position-based one (ChaosTest's) must find a fault wherever the chained
     * one does, and pass wherever it passes; the chained one's report is returned for the case's own asserts.
     */
    private static Report checkBoth(java.util.Collection<MemberLog> logs) {
        Report chained = OrderInvariant.check(logs);
        Report byPosition = OrderInvariant.checkByPosition(logs);
        assertEquals("chained " + chained + " / by position " + byPosition, chained.mismatches().isEmpty(),
                byPosition.mismatches().isEmpty());
        return chained;
    }

    /** a member whose lifetime shares no entry with the longest log: the chained check cannot place it */
    @Test
    public void byPositionPlacesAMemberTheChainedCheckCannot() {
        List<MemberLog> logs = List.of(
                log("a#1", order(0, 5), false),
                log("x#1", List.of(Entry.message("a#1", "2", 3), Entry.message("b#1", "1", 4), TO_2,
                        Entry.message("b#1", "2", 6)), false),
                log("b#1", order(2, 13), true));
        assertTrue(OrderInvariant.checkByPosition(logs).mismatches().isEmpty());
        List<MemberLog> swapped = List.of(
                log("a#1", order(0, 5), false),
                log("x#1", List.of(Entry.message("a#1", "2", 3), TO_2, Entry.message("b#1", "1", 4),
                        Entry.message("b#1", "2", 6)), false),
                log("b#1", order(2, 13), true));
        assertEquals("both gaps around the moved adjust", 2,
                OrderInvariant.checkByPosition(swapped).mismatches().size());
    }

    /**
     * c stops following the stream after @8 (its node caught up from a snapshot) and is told so on its node alone;
     * the others see its leave later, where the log puts it. Its own notice ends its log. Anyone else's removal
     * there is a change the others do not have.
     */
    @Test
    public void aMembersOwnRemovalEndsItsLogWhereItStopped() {
        List<Entry> stopped = order(7, 9);
        stopped.add(Entry.change(Kind.FAILURE, List.of("c#1")));
        List<MemberLog> logs = faithful();
        logs.set(2, log("c#1", stopped, false));
        assertEquals(List.of(), OrderInvariant.checkByPosition(logs).mismatches());

        List<Entry> wrong = order(7, 9);
        wrong.add(Entry.change(Kind.FAILURE, List.of("a#1")));
        logs.set(2, log("c#1", wrong, false));
        assertEquals(1, OrderInvariant.checkByPosition(logs).mismatches().size());
    }

    /**
     * The group made again: x joins first and leaves before any message, b joins after it; nobody else saw x's
     * join. x's log ends where b's begins, so it is placed there; one whose end b's log does not begin with is not.
     */
    @Test
    public void aLogWithoutMessagesIsPlacedWhereAnotherLogBegins() {
        Entry joinX = Entry.change(Kind.JOIN, List.of("x#1"));
        List<MemberLog> logs = List.of(
                log("x#1", List.of(joinX, JOIN_B), false),
                log("b#1", List.of(JOIN_B, Entry.change(Kind.LEAVE, List.of("x#1")), Entry.message("b#1", "1", 1)),
                        true));
        assertEquals(List.of(), OrderInvariant.checkByPosition(logs).mismatches());

        List<MemberLog> elsewhere = List.of(
                log("x#1", List.of(joinX, JOIN_C), false),
                log("b#1", List.of(JOIN_B, Entry.change(Kind.LEAVE, List.of("x#1")), Entry.message("b#1", "1", 1)),
                        true));
        assertEquals(1, OrderInvariant.checkByPosition(elsewhere).mismatches().size());
    }

    /**
     * The group's first members join one after another before any message, and b's node crashes right after b is
     * told of its own join: b's log is a stretch of what a's shows before its first message (ChaosTest, seed
     * 20261130, CI of 2026-12-07: node1#1.1's log was its own join alone). The same after the last message: x's
     * node crashes once x is told of its join. Logs whose changes the others hold in another order fit nowhere.
     */
    @Test
    public void aLogWithoutMessagesInsideAnotherLogsHeadOrTailIsPlacedThere() {
        Entry joinX = Entry.change(Kind.JOIN, List.of("x#1"));
        Entry failB = Entry.change(Kind.FAILURE, List.of("b#1"));
        Entry failX = Entry.change(Kind.FAILURE, List.of("x#1"));
        Entry first = Entry.message("a#1", "1", 1);
        List<MemberLog> logs = new ArrayList<>(List.of(
                log("a#1", List.of(JOIN_A, JOIN_B, JOIN_C, failB, first, joinX, failX), true),
                log("b#1", List.of(JOIN_B), false),
                log("c#1", List.of(JOIN_C, failB, first, joinX, failX), true),
                log("x#1", List.of(joinX), false)));
        assertEquals(List.of(), OrderInvariant.checkByPosition(logs).mismatches());

        logs.set(1, log("b#1", List.of(JOIN_C, JOIN_B), false));
        logs.set(3, log("x#1", List.of(failX, joinX), false));
        assertEquals(2, OrderInvariant.checkByPosition(logs).mismatches().size());
    }

    private static MemberLog log(String member, List<Entry> entries, boolean stillMember) {
        return new MemberLog(member, "g", entries, stillMember);
    }

    private static List<Entry> order(int from, int to) {
        return new ArrayList<>(ORDER.subList(from, to));
    }

    /** a saw the order up to its leave, b from its join, c from its join: all to the end */
    private static List<MemberLog> faithful() {
        return new ArrayList<>(List.of(
                log("a#1", order(0, 11), false),
                log("b#1", order(2, 13), true),
                log("c#1", order(7, 13), true)));
    }

    private static Report checkWithB(List<Entry> b) {
        List<MemberLog> logs = faithful();
        logs.set(1, log("b#1", b, true));
        return checkBoth(logs);
    }

    @Test
    public void equalLogsHaveNoMismatch() {
        List<MemberLog> logs = List.of(log("a#1", ORDER, true), log("b#1", ORDER, true), log("c#1", ORDER, true));
        Report r = checkBoth(logs);
        assertEquals(List.of(), r.mismatches());
        assertEquals(3L * ORDER.size(), r.compared());
        assertEquals("orders compared 39, order mismatches 0", r.toString());
    }

    @Test
    public void lateJoinersAndAMemberThatLeftMatchTheirStretch() {
        Report r = checkBoth(faithful());
        assertEquals(List.of(), r.mismatches());
        assertEquals("every entry of every log compared", 11 + 11 + 6, r.compared());
        assertNull(r.firstMismatch());
    }

    @Test
    public void aLateJoinerWhoseLogIsNotTheOrdersSuffixMismatches() {
        List<MemberLog> logs = faithful();
        List<Entry> c = order(7, 13);
        c.set(3, Entry.message("b#1", "4", 10));
        logs.set(2, log("c#1", c, true));
        Report r = checkBoth(logs);
        assertEquals(List.of("group g, member c#1, index 3: expected LEAVE a#1, seen MESSAGE b#1:4 @10"),
                r.mismatches());
    }

    @Test
    public void aMissingEntryInTheMiddleMismatches() {
        List<Entry> b = order(2, 13);
        b.remove(4);                                        // b#1:2 @6
        Report r = checkWithB(b);
        assertEquals(List.of("group g, member b#1, index 4: expected MESSAGE b#1:2 @6, seen JOIN c#1"),
                r.mismatches());
        assertEquals("orders compared 22, order mismatches 1 (first: " + r.mismatches().get(0) + ")", r.toString());
    }

    @Test
    public void twoSwappedEntriesMismatch() {
        List<Entry> b = order(2, 13);
        b.set(6, ORDER.get(9));
        b.set(7, ORDER.get(8));
        Report r = checkWithB(b);
        assertEquals(List.of("group g, member b#1, index 6: expected MESSAGE c#1:1 @8, seen MESSAGE a#1:3 @9"),
                r.mismatches());
    }

    @Test
    public void anAdjustAtAnotherPointMismatches() {
        List<Entry> b = order(2, 13);
        b.remove(TO_2);
        b.add(4, TO_2);                                     // after b#1:2 instead of before it
        Report r = checkWithB(b);
        assertEquals(List.of("group g, member b#1, index 3: expected ADJUST_VERSION 1->2 epoch 2,"
                + " seen MESSAGE b#1:2 @6"), r.mismatches());
    }

    @Test
    public void anAdjustToAnotherLevelOrEpochMismatches() {
        List<Entry> b = order(2, 13);
        b.set(3, Entry.adjust(1, 2, 3));
        assertEquals(1, checkWithB(b).mismatches().size());
    }

    @Test
    public void aDuplicateMismatches() {
        List<Entry> b = order(2, 13);
        b.add(5, b.get(4));                                 // b#1:2 @6 twice
        List<MemberLog> logs = List.of(log("a#1", ORDER, true), log("b#1", b, true), log("c#1", order(7, 13), true));
        Report r = checkBoth(logs);
        assertEquals(List.of("group g, member b#1, index 5: expected JOIN c#1, seen MESSAGE b#1:2 @6"),
                r.mismatches());
    }

    @Test
    public void aDuplicateOrSwapInTheLongestLogShowsByItsPositions() {
        List<MemberLog> logs = faithful();
        List<Entry> a = order(0, 11);
        a.add(2, a.get(1));                                 // before anyone else joined: only its positions tell
        logs.set(0, log("a#1", a, false));
        assertEquals(List.of("group g, member a#1, index 2: seen MESSAGE a#1:1 @1 after position 1"),
                checkBoth(logs).mismatches());

        List<Entry> swapped = order(0, 11);
        swapped.set(3, ORDER.get(4));
        swapped.set(4, ORDER.get(3));
        List<MemberLog> alone = List.of(log("a#1", swapped, false));
        assertEquals(List.of("group g, member a#1, index 4: seen MESSAGE a#1:2 @3 after position 4"),
                checkBoth(alone).mismatches());
    }

    @Test
    public void theSameMessageAtAnotherLogPositionMismatches() {
        List<Entry> b = order(2, 13);
        b.set(2, Entry.message("b#1", "1", 5));
        Report r = checkWithB(b);
        assertEquals(List.of("group g, member b#1, index 2: expected MESSAGE b#1:1 @4, seen MESSAGE b#1:1 @5"),
                r.mismatches());
    }

    @Test
    public void aMemberThatLeftMayStopEarlyButOneStillInMayNot() {
        List<MemberLog> logs = faithful();
        logs.set(1, log("b#1", order(2, 9), false));
        Report left = checkBoth(logs);
        assertEquals(List.of(), left.mismatches());
        assertEquals(11 + 7 + 6, left.compared());

        logs.set(1, log("b#1", order(2, 9), true));
        assertEquals(List.of("group g, member b#1, index 7: still a member at the end but its log stops; expected"
                + " MESSAGE a#1:3 @9 and 3 more"), checkBoth(logs).mismatches());
    }

    @Test
    public void logsThatDoNotOverlapArePlacedByPosition() {
        // a left before c joined: no common entry, one after the other in the log
        List<MemberLog> logs = List.of(log("a#1", order(0, 4), false), log("c#1", order(7, 13), true));
        assertEquals(List.of(), checkBoth(logs).mismatches());
        List<MemberLog> interleaved = List.of(log("a#1", List.of(ORDER.get(1), ORDER.get(9)), false),
                log("c#1", order(7, 9), true));
        assertEquals(List.of("group g, member c#1, index 0: none of its 2 entries is in the common sequence"),
                checkBoth(interleaved).mismatches());
    }

    @Test
    public void groupsAreComparedEachOnItsOwn() {
        List<MemberLog> logs = new ArrayList<>(faithful());
        logs.add(new MemberLog("a#2", "h", List.of(Entry.message("a#2", "1", 2)), true));
        logs.add(new MemberLog("b#2", "h", List.of(Entry.message("a#2", "x", 2)), true));
        Report r = checkBoth(logs);
        assertEquals(1, r.mismatches().size());
        assertEquals("group h, member b#2, index 0: none of its 1 entries is in the common sequence",
                r.firstMismatch());
    }

    @Test
    public void theRecorderLogsWhatItDeliversAndHandsItOn() {
        RecordingListener inner = new RecordingListener("re:");
        DeliveryLog rec = new DeliveryLog(inner, DeliveryLog::payloadText).member("b#1");
        Member a = new Member("n1", "a#1");
        Member b = new Member("n2", "b#1");
        rec.onMembershipChange(new MembershipChange(Reason.JOIN, "g", List.of(b), 1, 1, 1, "n2"));
        rec.onMessage(new Delivery("g", a, 1, 7, "1".getBytes(StandardCharsets.UTF_8)));
        rec.onMembershipChange(new MembershipChange(Reason.ADJUST_VERSION, "g", List.of(), 1, 2, 2, "n1"));
        rec.onMembershipChange(new MembershipChange(Reason.FAILURE, "g", List.of(a), 2, 2, 2, "n1"));
        rec.left();
        assertEquals(List.of(new MemberLog("b#1", "g", List.of(JOIN_B, Entry.message("a#1", "1", 7), TO_2,
                Entry.change(Kind.FAILURE, List.of("a#1"))), false)), rec.logs());
        assertEquals(1, inner.count());
        assertEquals(3, inner.changes().size());
        assertArrayEquals("re:q".getBytes(StandardCharsets.UTF_8),
                rec.onRequest(new Delivery("g", a, 2, 8, "q".getBytes(StandardCharsets.UTF_8))));
        DeliveryLog byHash = new DeliveryLog();
        byHash.onMessage(new Delivery("g", a, 1, 7, "1".getBytes(StandardCharsets.UTF_8)));
        byHash.onMessage(new Delivery("g", a, 1, 8, "2".getBytes(StandardCharsets.UTF_8)));
        List<Entry> hashed = byHash.logs().get(0).entries();
        assertTrue(hashed.get(0).what(), hashed.get(0).what().matches("a#1:[0-9a-f]{16}"));
        assertNotEquals(hashed.get(0).what(), hashed.get(1).what());
    }
}
