package org.cutover.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.api.version.VersionRequest;
import org.junit.Test;

public class VersionReportsTest {

    private static final Member NODE1 = new Member("node1", "node1#1");
    private static final Member NODE2 = new Member("node2", "node2#1");
    private static final Member NODE3 = new Member("node3", "node3#1");
    private static final VersionRequest ORDERS_AND_USERS_TO_2 = VersionRequest.of(2, "orders", "users");

    private static final CheckResult PASSED = new CheckResult(2, Map.of("orders", 1, "users", 1),
            Map.of("orders", 3L, "users", 5L), List.of());
    private static final CheckResult FAILED = new CheckResult(2, Map.of("orders", 1, "users", 1),
            Map.of("orders", 3L, "users", 5L), List.of(
                    new CheckFailure(ReasonCode.NODE_INACTIVE, List.of("node3"), "node node3 is INACTIVE"),
                    new CheckFailure(ReasonCode.NODE_INCAPABLE, List.of("node2"), "node node2 can run levels 1 only"),
                    new CheckFailure(ReasonCode.NODE_INCAPABLE, List.of("node4"), "node node4 can run levels 1 only")));

    @Test
    public void passedCheckSaysWhichGroupsCanMoveFromWhereToWhere() {
        assertEquals(List.of("ok: orders, users can move from 1 to 2"), VersionReports.check(PASSED));
        assertNull(VersionReports.checkFailure(ORDERS_AND_USERS_TO_2, PASSED));
    }

    @Test
    public void groupsAtDifferentLevelsGetOneClausePerLevel() {
        CheckResult mixed = new CheckResult(3, Map.of("c", 2, "a", 1, "b", 1), Map.of("a", 1L, "b", 1L, "c", 4L),
                List.of());
        assertEquals(List.of("ok: a, b can move from 1 to 3; c can move from 2 to 3"), VersionReports.check(mixed));
    }

    @Test
    public void allGroupsWhenThereAreNone() {
        CheckResult none = new CheckResult(2, Map.of(), Map.of(), List.of());
        assertEquals(List.of("ok: no groups to move to level 2"), VersionReports.check(none));
    }

    @Test
    public void failedCheckPrintsOneCodedLinePerCauseAndFailsNamingTheCodes() {
        assertEquals(List.of(
                "NODE_INACTIVE: node node3 is INACTIVE",
                "NODE_INCAPABLE: node node2 can run levels 1 only",
                "NODE_INCAPABLE: node node4 can run levels 1 only"), VersionReports.check(FAILED));
        assertEquals("version check of orders, users to level 2 failed: 3 causes (NODE_INACTIVE, NODE_INCAPABLE)",
                VersionReports.checkFailure(ORDERS_AND_USERS_TO_2, FAILED));
        CheckResult oneCause = new CheckResult(0, Map.of(), Map.of(),
                List.of(new CheckFailure(ReasonCode.UNKNOWN_GROUP, List.of("nope"), "no group nope")));
        assertEquals("version check of all groups to their potential level failed: 1 cause (UNKNOWN_GROUP)",
                VersionReports.checkFailure(VersionRequest.allGroups(OptionalInt.empty()), oneCause));
    }

    @Test
    public void refusedAdjustPrintsItsCausesAndFailsSayingNothingWasSent() {
        AdjustResult refused = AdjustResult.refused(FAILED);
        assertEquals(VersionReports.check(FAILED), VersionReports.adjust(ORDERS_AND_USERS_TO_2, refused));
        assertEquals("version adjust of orders, users to level 2 refused, nothing was sent: 3 causes "
                + "(NODE_INACTIVE, NODE_INCAPABLE)", VersionReports.adjustFailure(ORDERS_AND_USERS_TO_2, refused));
    }

    @Test
    public void appliedAdjustPrintsLevelEpochsEachConfirmationAndTheTotal() {
        AdjustResult applied = new AdjustResult(PASSED, true, Map.of("users", 6L, "orders", 4L),
                List.of(new MemberConfirmation(NODE1, Duration.ofNanos(180_600)),
                        new MemberConfirmation(NODE2, Duration.ofNanos(1_250_000))),
                Map.of(), Duration.ofNanos(1_300_000));
        assertEquals(List.of(
                "adjusted orders, users to level 2",
                "epochs: orders 4, users 6",
                "confirmed node1#1 in 0.181 ms",
                "confirmed node2#1 in 1.250 ms",
                "total 1.300 ms, 2 members confirmed"), VersionReports.adjust(ORDERS_AND_USERS_TO_2, applied));
        assertNull(VersionReports.adjustFailure(ORDERS_AND_USERS_TO_2, applied));
    }

    @Test
    public void unconfirmedMembersAreNamedAndTheAdjustFails() {
        AdjustResult partly = new AdjustResult(PASSED, true, Map.of("orders", 4L, "users", 6L),
                List.of(new MemberConfirmation(NODE1, Duration.ofMillis(2))),
                Map.of(NODE3, "left the group", NODE2, "no answer"), Duration.ofSeconds(5));
        assertEquals(List.of(
                "adjusted orders, users to level 2",
                "epochs: orders 4, users 6",
                "confirmed node1#1 in 2.000 ms",
                "unconfirmed node2#1: no answer",
                "unconfirmed node3#1: left the group",
                "total 5.000 s, 1 member confirmed, 2 did not"), VersionReports.adjust(ORDERS_AND_USERS_TO_2, partly));
        assertEquals("version adjust to level 2 was applied but 2 of 3 members did not confirm: node2#1, node3#1",
                VersionReports.adjustFailure(ORDERS_AND_USERS_TO_2, partly));
    }

    @Test
    public void adjustThatLostARaceSaysSoWithItsCode() {
        AdjustResult lost = new AdjustResult(PASSED, false, Map.of(), List.of(), Map.of(), Duration.ofMillis(1));
        assertEquals(List.of("CONCURRENT_ADJUST: another adjust changed the epoch of orders, users first; "
                + "nothing was applied"), VersionReports.adjust(ORDERS_AND_USERS_TO_2, lost));
        assertEquals("version adjust of orders, users lost to a concurrent adjust; nothing was applied",
                VersionReports.adjustFailure(ORDERS_AND_USERS_TO_2, lost));
    }

    @Test
    public void durationsInMillisecondsBelowASecondAndSecondsAbove() {
        assertEquals("0.000 ms", Formats.duration(Duration.ZERO));
        assertEquals("999.999 ms", Formats.duration(Duration.ofNanos(999_999_000)));
        assertEquals("1.000 s", Formats.duration(Duration.ofSeconds(1)));
        assertEquals("62.500 s", Formats.duration(Duration.ofMillis(62_500)));
        assertEquals("-", Formats.duration(null));
    }
}
