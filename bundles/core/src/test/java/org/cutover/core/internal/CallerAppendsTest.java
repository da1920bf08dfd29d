package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.DataInput;
import java.io.DataOutput;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.wire.Envelope;
import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.StateMachine;
import org.jgroups.util.UUID;
import org.junit.Test;

/**
 * How long a caller waits: one node of three, alone, so nothing it appends is
 * ever applied. With no leader its view is taken to hold a majority (an
 * election is due), so the call waits for one; a leader turns up 1.5 s in,
 * one that never answers. The whole call must fail within the operation
 * timeout and one second, not that plus the time spent waiting for a leader.
 */
public class CallerAppendsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Test
    public void aCallWaitsAtMostTheTimeoutAndOneSecondInAll() throws Exception {
        RAFT raft = new RAFT().raftId("a").members(List.of("a", "b", "c")).logClass(InMemoryLog.class.getName())
                .logPrefix("caller-appends-" + java.util.UUID.randomUUID());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (JChannel ch = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                new UNICAST3(), new STABLE(), new GMS(), raft, new REDIRECT()).name("a")) {
            RaftHandle handle = new RaftHandle(ch, new NoState());
            ch.connect("caller-appends-" + java.util.UUID.randomUUID());
            LogLink link = new LogLink(handle, "a", TIMEOUT, () -> 0, (b, o, l) -> new byte[] {1},
                    () -> org.cutover.core.internal.wire.LogBatch.Identity.NONE, Duration.ZERO);
            CallerAppends callers = new CallerAppends(TIMEOUT, () -> link, () -> true, () -> true);
            timer.schedule(() -> raft.setLeaderAndTerm(UUID.randomUUID(), 1), 1500, TimeUnit.MILLISECONDS);

            long start = System.nanoTime();
            try {
                callers.appendAndWait(new Envelope.Join("g", "a#1.1", "a"), "joining group g");
                fail("nothing can apply the join");
            } catch (GroupException e) {
                assertEquals(e.getMessage(), ReasonCode.NOT_CONNECTED, e.code());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue("failed after " + millis + " ms, the timeout is " + TIMEOUT.toMillis() + " ms + 1 s",
                    millis < TIMEOUT.toMillis() + 1000 + 300);
            link.close();
        } finally {
            timer.shutdownNow();
        }
    }

    private static final class NoState implements StateMachine {
        @Override
        public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
            return null;
        }

        @Override
        public void readContentFrom(DataInput in) {
        }

        @Override
        public void writeContentTo(DataOutput out) {
        }
    }
}
