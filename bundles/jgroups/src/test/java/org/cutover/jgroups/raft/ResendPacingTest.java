package org.cutover.jgroups.raft;

import static org.cutover.jgroups.raft.ResendPacing.Step.PROBE;
import static org.cutover.jgroups.raft.ResendPacing.Step.SEND;
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
    public void aFollowerThatAnswersGetsEveryResendAtOnce() {
        assertEquals(SEND, pacing.next(a, 5, 6, 5, 0));
        assertEquals(SEND, pacing.next(a, 7, 8, 5, 1));
        assertEquals(SEND, pacing.next(a, 7, 8, 7, 2));
        assertEquals(SEND, pacing.next(a, 7, 5, 7, 3)); // a refusal moved its next index back
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
