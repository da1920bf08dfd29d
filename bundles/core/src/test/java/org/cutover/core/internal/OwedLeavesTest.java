package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.wire.Envelope.Leave;
import org.junit.After;
import org.junit.Test;

/** A leave this node owes the log is appended until the state no longer lists its member */
public class OwedLeavesTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Leave leave = new Leave("g", "node5#2.8");

    @After
    public void stop() {
        timer.shutdownNow();
    }

    @Test
    public void aLeaveRefusedForWantOfALeaderIsAppendedAgainUntilTheStateDropsTheMember() throws Exception {
        AtomicBoolean listed = new AtomicBoolean(true);
        List<Leave> appended = new CopyOnWriteArrayList<>();
        OwedLeaves owed = new OwedLeaves(l -> {
            appended.add(l);
            if (appended.size() <= 2) {
                return CompletableFuture.failedFuture(new GroupException(ReasonCode.GROUP_PARTITIONED, "no leader"));
            }
            listed.set(false); // committed and applied
            return CompletableFuture.completedFuture(null);
        }, l -> listed.get(), () -> true, timer);

        owed.owe(leave);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (listed.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(3 * OwedLeaves.RETRY_MILLIS);
        assertEquals("two refusals, then the commit, then nothing: " + appended, List.of(leave, leave, leave),
                appended);
    }

    @Test
    public void aLeaveWhoseMemberTheStateDroppedOtherwiseIsNotAppended() throws Exception {
        AtomicBoolean listed = new AtomicBoolean(true);
        List<Leave> appended = new CopyOnWriteArrayList<>();
        OwedLeaves owed = new OwedLeaves(l -> {
            appended.add(l);
            listed.set(false); // the node's failure removed it meanwhile
            return CompletableFuture.failedFuture(new GroupException(ReasonCode.NOT_CONNECTED, "lost"));
        }, l -> listed.get(), () -> true, timer);

        owed.owe(leave);
        Thread.sleep(3 * OwedLeaves.RETRY_MILLIS);
        assertEquals(List.of(leave), appended);
    }

    @Test
    public void aClosedNodeOwesNothing() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        List<Leave> appended = new CopyOnWriteArrayList<>();
        OwedLeaves owed = new OwedLeaves(l -> {
            appended.add(l);
            running.set(false);
            return CompletableFuture.failedFuture(new GroupException(ReasonCode.NOT_CONNECTED, "closing"));
        }, l -> true, running::get, timer);

        owed.owe(leave);
        Thread.sleep(3 * OwedLeaves.RETRY_MILLIS);
        assertEquals(List.of(leave), appended);
        assertTrue(timer.shutdownNow().isEmpty());
    }
}
