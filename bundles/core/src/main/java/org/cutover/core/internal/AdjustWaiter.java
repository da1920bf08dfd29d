package org.cutover.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.core.internal.state.ClusterState;

/**
 * Follows one adjust at the node that asked for it: its delivery in the
 * order, then a confirmation from every node that hosts members of the groups.
 */
public final class AdjustWaiter {
    private final long sentNanos = System.nanoTime();
    private final CountDownLatch delivered = new CountDownLatch(1);
    private final CountDownLatch allConfirmed = new CountDownLatch(1);
    private final Map<String, Long> confirmedNanos = new ConcurrentHashMap<>();
    private volatile ClusterState.Result result;
    private volatile org.cutover.api.GroupException failure;
    private volatile Map<String, List<String>> expected = Map.of();
    private final java.util.Set<String> gone = ConcurrentHashMap.newKeySet();

    void delivered(ClusterState.Result result, Map<String, List<String>> membersByNode) {
        if (this.result != null) {
            return; // the first delivery decided
        }
        this.expected = Map.copyOf(membersByNode);
        this.result = result;
        delivered.countDown();
        checkDone();
    }

    /** the adjust never reached the log (no leader here, or not committed in time) */
    void failed(org.cutover.api.GroupException why) {
        if (result == null) {
            failure = why;
            delivered.countDown();
        }
    }

    public org.cutover.api.GroupException failure() {
        return failure;
    }

    void confirmed(String node) {
        confirmedNanos.putIfAbsent(node, System.nanoTime() - sentNanos);
        checkDone();
    }

    /**
     * A view change: a node that is no longer in the view will not confirm, so the caller does not wait for it
     * until the time limit (it is reported unconfirmed).
     */
    void viewChanged(java.util.Set<String> nodesInView) {
        expected.keySet().stream().filter(n -> !nodesInView.contains(n)).forEach(gone::add);
        checkDone();
    }

    private void checkDone() {
        if (result != null && expected.keySet().stream().allMatch(n -> confirmedNanos.containsKey(n)
                || gone.contains(n))) {
            allConfirmed.countDown();
        }
    }

    public boolean awaitDelivery(Duration timeout) throws InterruptedException {
        return delivered.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public boolean awaitConfirmations(Duration timeout) throws InterruptedException {
        return allConfirmed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public ClusterState.Result result() {
        return result;
    }

    /** members by node that had to confirm */
    public Map<String, List<String>> expected() {
        return expected;
    }

    /** node -> nanoseconds from sending until its confirmation arrived */
    public Map<String, Long> confirmedNanos() {
        return Map.copyOf(confirmedNanos);
    }

    public long elapsedNanos() {
        return System.nanoTime() - sentNanos;
    }
}
