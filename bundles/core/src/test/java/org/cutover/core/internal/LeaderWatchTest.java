package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.Test;

/** {@link LeaderWatch} on its own: a fake election, a clock in milliseconds, probes completed by hand */
public class LeaderWatchTest {

    private final FakeElection election = new FakeElection();
    private final LeaderWatch watch = new LeaderWatch(election);

    @Test
    public void aLeaderThatAnswersIsNeverVotedAway() {
        election.leader = "node1";
        for (long t = 0; t < 20_000; t += 250) {
            watch.tick(t, true);
            election.answerAll(true);
        }
        assertEquals(0, election.votes);
        assertEquals("one probe a second", 20, election.probes);
    }

    @Test
    public void aLeaderThatDoesNotLeadIsVotedAwayAfterThreeFailedProbes() {
        election.leader = "node1"; // it stepped down; the others still follow it
        long t = 0;
        for (; election.votes == 0 && t < 20_000; t += 250) {
            watch.tick(t, true);
            election.answerAll(false);
        }
        assertEquals(1, election.votes);
        assertEquals(LeaderWatch.FAILED_PROBES, election.probes);
        assertEquals("three probes a second apart, then the vote at the next tick", 2_500, t);
    }

    @Test
    public void onlyTheViewCoordinatorProbes() {
        election.leader = "node1";
        for (long t = 0; t < 20_000; t += 250) {
            watch.tick(t, false);
            election.answerAll(false);
        }
        assertEquals(0, election.probes);
        assertEquals(0, election.votes);
    }

    /** a leader that is slow or cut off may still commit: probes that time out never start a vote */
    @Test
    public void aProbeThatOnlyTimesOutStartsNoVote() throws Exception {
        election.leader = "node1";
        watch.tick(0, true);
        assertEquals(1, election.probes);
        CompletableFuture<Object> probe = election.pending.poll();
        try {
            probe.get(LeaderWatch.PROBE_TIMEOUT_MILLIS + 2_000, TimeUnit.MILLISECONDS);
            fail("a probe nobody answers completed");
        } catch (ExecutionException e) {
            assertTrue(e.getCause().toString(), e.getCause() instanceof TimeoutException);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (long t = 1_000; election.probes < 2 && System.nanoTime() < deadline; t += 250) {
            watch.tick(t, true);
            Thread.sleep(10);
        }
        assertEquals("the next probe went out", 2, election.probes);
        for (long t = 2_000; t < 20_000; t += 250) {
            watch.tick(t, true);
            election.failAll(new TimeoutException("no answer"));
        }
        assertEquals("time-outs are no leader's word", 0, election.votes);
    }

    @Test
    public void noLeaderAndNoVoteRunningStartsAVote() {
        election.leader = null;
        election.voting = true;
        for (long t = 0; t < 10_000; t += 250) {
            watch.tick(t, true);
        }
        assertEquals("ELECTION2 is voting: leave it", 0, election.votes);
        election.voting = false;
        for (long t = 10_000; t < 12_750; t += 250) {
            watch.tick(t, true);
        }
        assertEquals(1, election.votes);
    }

    @Test
    public void theLeaderItselfDoesNotProbe() {
        election.leader = "self";
        election.isLeader = true;
        for (long t = 0; t < 10_000; t += 250) {
            watch.tick(t, true);
        }
        assertEquals(0, election.probes);
        assertEquals(0, election.votes);
    }

    private static final class FakeElection implements LeaderWatch.Election {
        Object leader;
        boolean isLeader;
        boolean voting;
        int probes;
        int votes;
        final Deque<CompletableFuture<Object>> pending = new ArrayDeque<>();

        @Override
        public Object leader() {
            return leader;
        }

        @Override
        public boolean isLeader() {
            return isLeader;
        }

        @Override
        public CompletableFuture<?> probe() {
            probes++;
            CompletableFuture<Object> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public boolean notLeading(Throwable failure) {
            return failure instanceof IllegalStateException; // what answerAll(false) fails with
        }

        @Override
        public boolean voting() {
            return voting;
        }

        void failAll(Throwable t) {
            while (!pending.isEmpty()) {
                pending.poll().completeExceptionally(t);
            }
        }

        @Override
        public void startVote() {
            votes++;
        }

        void answerAll(boolean answered) {
            while (!pending.isEmpty()) {
                CompletableFuture<Object> f = pending.poll();
                if (answered) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(new IllegalStateException("not the leader"));
                }
            }
        }
    }
}
