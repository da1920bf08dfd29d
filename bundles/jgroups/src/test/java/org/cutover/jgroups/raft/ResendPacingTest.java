package org.cutover.jgroups.raft;

import static org.cutover.jgroups.raft.ResendPacing.Step.PROBE;
import static org.cutover.jgroups.raft.ResendPacing.Step.SEND;
import static org.cutover.jgroups.raft.ResendPacing.Step.STEPPED_BACK;
import static org.cutover.jgroups.raft.ResendPacing.Step.WAIT;
import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jgroups.Address;
import org.jgroups.util.UUID;
import org.junit.Test;

public class ResendPacingTest {

    private static final long MS = 1_000_000;

    private final Address a = UUID.randomUUID();
    private final Address b = UUID.randomUUID();
    private final ResendPacing pacing = new ResendPacing(10 * MS, 80 * MS);

    @Test
    public void aFollowerThatAcknowledgesMoreGetsEveryResendAtOnce() {
        assertEquals(SEND, pacing.next(a, 5, 6, 5, 0));
        assertEquals(SEND, pacing.next(a, 7, 8, 5, 1));
        assertEquals(SEND, pacing.next(a, 9, 10, 7, 2));
    }

    @Test
    public void anAnswerThatAcknowledgesNothingNewGetsAProbeAtOnce() {
        assertEquals(SEND, pacing.next(a, 7, 8, 5, 0));
        assertEquals(PROBE, pacing.next(a, 7, 8, 7, 1)); // its commit index: a commit notice, one entry at most
        assertEquals(PROBE, pacing.next(a, 7, 9, 7, 2)); // a refusal above what it acknowledged
        assertEquals(WAIT, pacing.next(a, 7, 9, 7, 3)); // and the backoff starts again from each answer
    }

    @Test
    public void anAnswerBelowWhatTheFollowerAcknowledgedIsRefused() {
        assertEquals(SEND, pacing.next(a, 7, 8, 7, 0));
        assertEquals(STEPPED_BACK, pacing.next(a, 7, 5, 7, 1)); // a refusal naming index 4 after acknowledging 7
        assertEquals(STEPPED_BACK, pacing.next(a, 3, 4, 7, 2)); // a conflicting term overwrote its match index
        assertEquals(7, pacing.acceptedMatch(a));
        assertEquals(8, pacing.acceptedNext(a));
        // the leader put the accepted indexes back into its table: the follower answered nothing new
        assertEquals(WAIT, pacing.next(a, 7, 8, 7, 3));
        assertEquals(SEND, pacing.next(a, 8, 9, 7, 4));
    }

    @Test
    public void answersAlternatingBelowWhatWasAcknowledgedEarnOneEntryEachAtMost() {
        assertEquals(SEND, pacing.next(a, 100, 101, 100, 0));
        int sends = 0;
        int probes = 0;
        int refused = 0;
        long commit = 100;
        for (int i = 1; i <= 1000; i++) { // an answer every millisecond, each a change
            boolean back = i % 2 == 0;
            long match = back ? 1 : 100;
            long next = back ? 2 : 101;
            if (!back) {
                commit++; // RAFT keeps the highest commit index a follower names: one more is a change
            }
            switch (pacing.next(a, match, next, commit, i * MS)) {
                case SEND -> sends++;
                case PROBE -> probes++;
                case STEPPED_BACK -> refused++;
                default -> { }
            }
        }
        assertEquals(0, sends);
        assertEquals(500, refused);
        assertEquals(500, probes);
    }

    @Test
    public void aSilentFollowerGetsProbesWithABackoffThatDoublesToTheCap() {
        assertEquals(SEND, pacing.next(a, 5, 6, 5, 0));
        List<Long> probes = new ArrayList<>();
        for (long t = 1; t <= 400 * MS; t += MS) { // a tick every millisecond, as RAFT's idle resend
            ResendPacing.Step s = pacing.next(a, 5, 6, 5, t);
            if (s == PROBE) {
                probes.add((t - 1) / MS);
            } else {
                assertEquals(WAIT, s);
            }
        }
        assertEquals(List.of(10L, 30L, 70L, 150L, 230L, 310L, 390L), probes);
    }

    @Test
    public void anAnswerEndsTheBackoff() {
        pacing.next(a, 5, 6, 5, 0);
        assertEquals(PROBE, pacing.next(a, 5, 6, 5, 10 * MS));
        assertEquals(PROBE, pacing.next(a, 5, 6, 5, 30 * MS));
        assertEquals(SEND, pacing.next(a, 6, 7, 5, 31 * MS));
        assertEquals(WAIT, pacing.next(a, 6, 7, 5, 40 * MS));
        assertEquals(PROBE, pacing.next(a, 6, 7, 5, 41 * MS)); // back to the first backoff
    }

    @Test
    public void followersArePacedApart() {
        pacing.next(a, 5, 6, 5, 0);
        pacing.next(b, 5, 6, 5, 0);
        assertEquals(WAIT, pacing.next(a, 5, 6, 5, MS));
        assertEquals(SEND, pacing.next(b, 6, 7, 6, MS));
    }

    @Test
    public void aFollowerThatLeftAndCameBackStartsAfresh() {
        pacing.next(a, 5, 6, 5, 0);
        pacing.next(b, 5, 6, 5, 0);
        pacing.retain(Set.of(b));
        assertEquals(SEND, pacing.next(a, 5, 6, 5, MS));
        assertEquals(WAIT, pacing.next(b, 5, 6, 5, MS));
    }

    @Test(expected = IllegalArgumentException.class)
    public void aCapBelowTheFirstBackoffIsRefused() {
        new ResendPacing(10 * MS, MS);
    }
}
