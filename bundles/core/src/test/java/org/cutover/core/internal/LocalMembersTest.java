package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.GroupListener;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.core.internal.wire.Envelope.Leave;
import org.junit.After;
import org.junit.Test;

/** Which local members a change reaches, without a network: those whose join is applied, not yet left. */
public class LocalMembersTest {

    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runner");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final DeliveryScheduler scheduler = new DeliveryScheduler(threads, timer, 2);
    private final List<Leave> leavesInLog = new ArrayList<>();
    private final LocalMembers members = new LocalMembers("n1", new Replica(), EventSink.NONE, scheduler,
            leavesInLog::add);
    /** "member id: change reason" as the listeners were told */
    private final LinkedBlockingQueue<String> told = new LinkedBlockingQueue<>();

    @After
    public void stop() {
        threads.shutdownNow();
        timer.shutdownNow();
    }

    private LocalMember member(String id) {
        return new LocalMember(null, "g", new Member("n1", id), new GroupListener() {
            @Override
            public void onMessage(Delivery delivery) {
            }

            @Override
            public void onMembershipChange(MembershipChange change) {
                told.add(id + ": " + change.reason());
            }
        }, scheduler);
    }

    private static MembershipChange adjust(int to, long epoch) {
        return new MembershipChange(Reason.ADJUST_VERSION, "g", List.of(), to - 1, to, epoch, "n2");
    }

    private List<String> told(int count) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String one = told.poll(10, TimeUnit.SECONDS);
            if (one == null) {
                throw new AssertionError("told only " + got + " of " + count + " in 10 s");
            }
            got.add(one);
        }
        return got;
    }

    @Test
    public void aMemberGetsChangesFromItsAppliedJoinOn() throws Exception {
        LocalMember m = member("m1");
        members.add(m);
        members.dispatch(adjust(2, 2), false);
        assertEquals(List.of(), members.of("g"));
        members.joined(m, 2, 2);
        assertEquals(List.of(m), members.of("g"));
        members.dispatch(adjust(3, 3), false);
        assertEquals(List.of("m1: ADJUST_VERSION"), told(1));
        assertEquals(3, m.level());
        assertEquals(3, m.epoch());
        assertTrue(told.isEmpty());
    }

    /** its caller gave up on the join (and undid it) while the join was being applied */
    @Test
    public void aMemberRemovedBeforeItsJoinIsAppliedIsNotListed() throws Exception {
        LocalMember m = member("m1");
        members.add(m);
        members.remove("m1");
        m.left(); // as ClusterNode.undoJoin does
        members.joined(m, 1, 1);
        assertEquals(List.of(), members.of("g"));
        assertFalse("a member whose join was undone is not joined", m.isJoined());
        assertFalse(members.deliverToEach("g", lm -> () -> told.add("queued to " + lm)));
        LocalMember other = member("m2");
        members.add(other);
        members.joined(other, 1, 1);
        assertEquals(List.of(other), members.of("g"));
        members.dispatch(adjust(2, 2), false);
        assertEquals(List.of("m2: ADJUST_VERSION"), told(1));
        assertTrue(told.isEmpty());
    }

    @Test
    public void aLeavingMemberIsToldItsLeaveLastAndTheOthersToo() throws Exception {
        LocalMember m1 = member("m1");
        LocalMember m2 = member("m2");
        for (LocalMember m : List.of(m1, m2)) {
            members.add(m);
            members.joined(m, 1, 1);
        }
        members.dispatch(new MembershipChange(Reason.LEAVE, "g", List.of(m1.self()), 1, 1, 1, "n1"), false);
        assertEquals(List.of(m2), members.of("g"));
        assertFalse(m1.isJoined());
        List<String> got = told(2);
        got.sort(null);
        assertEquals(List.of("m1: LEAVE", "m2: LEAVE"), got);
        members.dispatch(adjust(2, 2), false);
        assertEquals(List.of("m2: ADJUST_VERSION"), told(1));
        assertTrue(told.isEmpty());
        assertEquals(List.of(), leavesInLog); // its leave came from the log
    }
}
