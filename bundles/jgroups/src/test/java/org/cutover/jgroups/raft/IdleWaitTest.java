package org.cutover.jgroups.raft;

import static org.cutover.jgroups.raft.LoopbackRafts.await;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.SHARED_LOOPBACK;
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

    private static final int ENTRIES = 50;

    private LoopbackRafts rafts;

    @After
    public void close() {
        if (rafts != null) {
            rafts.close();
        }
    }

    @Test
    public void anIdleClusterWaitsLongAndALaggingFollowerGetsItsResendAtOnce() throws Exception {
        rafts = new LoopbackRafts("idle-wait", CountingRAFT::new, null);
        byte[] entry = new byte[100];
        for (int i = 0; i < ENTRIES; i++) {
            rafts.raft(0).setAsync(entry, 0, entry.length);
        }
        await(ENTRIES + " entries applied everywhere", () -> rafts.appliedEverywhere(ENTRIES));
        // the followers learn the last commit index from the leader's next resend, then nothing is due
        RAFT leader = rafts.raft(0);
        await("every follower's commit index at the leader", () -> leader.commitTable().keys().stream().allMatch(
                a -> leader.commitTable().get(a).commitIndex() == leader.commitIndex()));

        long before = waits();
        Thread.sleep(1000);
        long idle = waits() - before;
        assertTrue("RAFT's threads waited " + idle + " times in an idle second (caught_up_wait 50 ms: about 60)",
                idle < 200);

        // a follower that misses entries lags: the leader resends every resend_interval again, until it has them
        DISCARD deafC = new DISCARD().discardAll(true);
        rafts.channel(2).getProtocolStack().insertProtocol(deafC, org.jgroups.stack.ProtocolStack.Position.ABOVE,
                SHARED_LOOPBACK.class);
        rafts.raft(0).setAsync(entry, 0, entry.length).get();
        before = waits();
        Thread.sleep(200);
        long lagging = waits() - before;
        deafC.discardAll(false);
        await("c has the entry it missed", () -> rafts.machine(2).seen().size() == ENTRIES + 1);
        assertTrue("RAFT's threads waited only " + lagging + " times in 200 ms with a follower lagging", lagging > 40);
    }

    private long waits() {
        long n = 0;
        for (int i = 0; i < 3; i++) {
            n += ((CountingRAFT) rafts.raft(i)).waits.get();
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
}
