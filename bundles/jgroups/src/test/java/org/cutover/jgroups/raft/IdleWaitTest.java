package org.cutover.jgroups.raft;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.RAFT;
import org.junit.After;
import org.junit.Test;

/**
 * RAFT's processing thread on an idle cluster: with {@code resend_interval} at 1 ms (the shipped value) it woke a
 * thousand times a second on every node to resend nothing. Now it waits {@code caught_up_wait} while nothing is
 * due, and resend_interval again as soon as a follower lags. Three channels over shared loopback, each RAFT
 * counting its waits.
 */
public class IdleWaitTest {

    private static final long WAIT_MS = 10_000;
    private static final int ENTRIES = 50;

    private final String prefix = "idle-wait-" + UUID.randomUUID();
    private final List<JChannel> channels = new ArrayList<>();
    private final List<RecordingStateMachine> machines = new ArrayList<>();

    @After
    public void close() {
        channels.forEach(JChannel::close);
    }

    @Test
    public void anIdleClusterWaitsLongAndALaggingFollowerGetsItsResendAtOnce() throws Exception {
        for (String id : List.of("a", "b", "c")) {
            start(id);
        }
        await("a view of three", () -> channels.stream().allMatch(c -> c.getView().size() == 3));
        Address leader = channels.get(0).getAddress();
        for (int i = 0; i < 3; i++) {
            raft(i).setLeaderAndTerm(leader, 1);
        }
        byte[] entry = new byte[100];
        for (int i = 0; i < ENTRIES; i++) {
            raft(0).setAsync(entry, 0, entry.length);
        }
        await(ENTRIES + " entries applied everywhere", () -> machines.stream().allMatch(m -> m.seen().size()
                == ENTRIES));
        // the followers learn the last commit index from the leader's next resend, then nothing is due
        await("every follower's commit index at the leader", () -> raft(0).commitTable().keys().stream().allMatch(
                a -> raft(0).commitTable().get(a).commitIndex() == raft(0).commitIndex()));

        long before = waits();
        Thread.sleep(1000);
        long idle = waits() - before;
        assertTrue("RAFT's threads waited " + idle + " times in an idle second (caught_up_wait 50 ms: about 60)",
                idle < 200);

        // a follower that misses entries lags: the leader resends every resend_interval again, until it has them
        DISCARD deafC = new DISCARD().discardAll(true);
        channels.get(2).getProtocolStack().insertProtocol(deafC, org.jgroups.stack.ProtocolStack.Position.ABOVE,
                SHARED_LOOPBACK.class);
        raft(0).setAsync(entry, 0, entry.length).get();
        before = waits();
        Thread.sleep(200);
        long lagging = waits() - before;
        deafC.discardAll(false);
        await("c has the entry it missed", () -> machines.get(2).seen().size() == ENTRIES + 1);
        assertTrue("RAFT's threads waited only " + lagging + " times in 200 ms with a follower lagging", lagging > 40);
    }

    private long waits() {
        long n = 0;
        for (int i = 0; i < channels.size(); i++) {
            n += ((CountingRAFT) raft(i)).waits.get();
        }
        return n;
    }

    /** counts RAFT's waits for work: each {@code processQueue} is one */
    public static final class CountingRAFT extends CheckedRAFT {
        static {
            // a protocol's headers carry its class's id: one of its own, not an unregistered 0
            org.jgroups.conf.ClassConfigurator.addProtocol((short) 1599, CountingRAFT.class);
        }

        final AtomicLong waits = new AtomicLong();

        @Override
        protected void processQueue() {
            waits.incrementAndGet();
            super.processQueue();
        }
    }

    private void start(String id) throws Exception {
        RecordingStateMachine machine = new RecordingStateMachine();
        CheckedRAFT raft = new CountingRAFT();
        raft.raftId(id).members(List.of("a", "b", "c")).logClass(InMemoryLog.class.getName())
                .logPrefix(prefix + "-" + id).stateMachine(machine).resendInterval(1);
        JChannel ch = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(1000), raft).name(id);
        channels.add(ch);
        machines.add(machine);
        ch.connect(prefix);
    }

    private RAFT raft(int i) {
        return channels.get(i).getProtocolStack().findProtocol(RAFT.class);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
