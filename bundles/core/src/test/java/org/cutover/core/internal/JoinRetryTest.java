package org.cutover.core.internal;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;

import org.junit.Test;

/** When a refused connect is tried again; no network */
public class JoinRetryTest {

    private static final long S = 1_000_000_000L;
    private static final String DUPLICATE = "join of node1 rejected as it would create a view with duplicate members"
            + " (current view: [node2|3] (4) [node2, node3, node4, node1])";

    /** NetworkChaosProcessIT in CI: the first refusal came 10 s after the start, when the start's timeout was over */
    @Test
    public void aFirstRefusalAfterTheStartsTimeoutIsTriedAgain() {
        JoinRetry retry = new JoinRetry(Duration.ofSeconds(10), 0);
        assertTrue(retry.again(DUPLICATE, 10 * S + 1));
    }

    @Test
    public void refusalsAreTriedAgainForTheTimeoutAfterTheFirst() {
        long start = 5 * S;
        JoinRetry retry = new JoinRetry(Duration.ofSeconds(10), start);
        long first = start + 12 * S;
        assertTrue(retry.again(DUPLICATE, first));
        assertTrue(retry.again(DUPLICATE, first + 5 * S));
        assertTrue(retry.again(DUPLICATE, first + 10 * S));
        assertFalse(retry.again(DUPLICATE, first + 10 * S + 1));
    }

    @Test
    public void aRefusalWithinTheStartsTimeoutKeepsThatTimeoutWhenLater() {
        JoinRetry retry = new JoinRetry(Duration.ofSeconds(10), 0);
        assertTrue(retry.again(DUPLICATE, 1));
        assertTrue(retry.again(DUPLICATE, 10 * S + 1));
        assertFalse(retry.again(DUPLICATE, 10 * S + 2));
    }

    @Test
    public void anyOtherRefusalIsNotTriedAgain() {
        JoinRetry retry = new JoinRetry(Duration.ofSeconds(10), 0);
        assertFalse(retry.again("authentication failed", 1));
        assertFalse(retry.again(null, 1));
    }
}
