package org.cutover.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Member;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.core.internal.state.ClusterState;

/**
 * Follows one adjust at the node that asked for it: its delivery in the
 * order, then a confirmation from every node that hosts members of the groups.
 *
 * <p>Which nodes must confirm is worked out on the caller's thread, from the
 * members the adjust's application saw ({@link #expected}), not by the log's
 * applier: for 1,000 groups reading every member there was a fifth of the
 * asking node's apply, ahead of its own delivery. Each node's
 * {@link MemberConfirmation}s are made as its confirmation arrives (or when
 * who must confirm is known, for those that came before), so that after the
 * last one only that node's are left to make: for 1,000 groups on 3 nodes,
 * making all 3,000 after it took 50-130 µs of the caller's wait (the caches
 * flushed first).
 */
public final class AdjustWaiter {
    private final long sentNanos = System.nanoTime();
    private final CountDownLatch delivered = new CountDownLatch(1);
    private final CountDownLatch allConfirmed = new CountDownLatch(1);
    private final Map<String, Long> confirmedNanos = new ConcurrentHashMap<>();
    /** the members of each confirmed node with its time, once {@link #expected} is known */
    private final Map<String, MemberConfirmation[]> confirmedMembers = new ConcurrentHashMap<>();
    private volatile ClusterState.Result result;
    private volatile org.cutover.api.GroupException failure;
    /** the asking node, which confirms for its own members when the adjust is applied there */
    private volatile String self = "";
    private volatile long deliveredNanos;
    /** members by node that must confirm; null until worked out */
    private volatile Map<String, List<Member>> expected;
    /** the active nodes at the delivery and at each view change since, until {@link #expected} is worked out */
    private final List<Set<String>> views = new ArrayList<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();

    /**
     * The adjust was applied (or refused) on the asking node.
     *
     * @param activeNodes the nodes active in the state at that point: the others will not confirm
     * @param self        the asking node
     */
    void delivered(ClusterState.Result result, Set<String> activeNodes, String self) {
        synchronized (this) {
            if (this.result != null) {
                return; // the first delivery decided
            }
            this.deliveredNanos = System.nanoTime() - sentNanos;
            this.self = self;
            views.add(activeNodes);
            this.result = result;
        }
        delivered.countDown();
    }

    /** refused before the state saw it: nobody confirms */
    void delivered(ClusterState.Result result) {
        delivered(result, Set.of(), "");
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
        if (confirmedNanos.putIfAbsent(node, System.nanoTime() - sentNanos) == null) {
            Map<String, List<Member>> e = expected;
            if (e != null) {
                confirmationsOf(node, e);
            }
        }
        checkDone();
    }

    /** makes a confirmed node's confirmations once (the caller working out {@link #expected} may race this) */
    private void confirmationsOf(String node, Map<String, List<Member>> e) {
        List<Member> members = e.get(node);
        Long nanos = confirmedNanos.get(node);
        if (members != null && nanos != null) {
            confirmedMembers.computeIfAbsent(node, n -> {
                Duration took = Duration.ofNanos(nanos); // a node confirms for its members
                MemberConfirmation[] made = new MemberConfirmation[members.size()];
                for (int i = 0; i < made.length; i++) {
                    made[i] = new MemberConfirmation(members.get(i), took);
                }
                return made;
            });
        }
    }

    /**
     * The confirmations of the members of {@code nodes} (those confirmed, as {@link #confirmedNanos} gave them),
     * node by node in {@link #expected}'s order.
     */
    public List<MemberConfirmation> confirmations(Set<String> nodes) {
        Map<String, List<Member>> e = expected();
        List<MemberConfirmation[]> parts = new ArrayList<>(e.size());
        int size = 0;
        for (String node : e.keySet()) {
            if (nodes.contains(node)) {
                confirmationsOf(node, e);
                MemberConfirmation[] part = confirmedMembers.get(node);
                parts.add(part);
                size += part.length;
            }
        }
        MemberConfirmation[] all = new MemberConfirmation[size];
        int at = 0;
        for (MemberConfirmation[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return List.of(all); // AdjustResult keeps it as it is
    }

    /**
     * A view change: a node that is no longer in the view will not confirm, so the caller does not wait for it
     * until the time limit (it is reported unconfirmed).
     */
    synchronized void viewChanged(Set<String> nodesInView) {
        if (result == null) {
            return;
        }
        Map<String, List<Member>> e = expected;
        if (e == null) {
            views.add(nodesInView);
        } else {
            e.keySet().stream().filter(n -> !nodesInView.contains(n)).forEach(gone::add);
        }
        checkDone();
    }

    private void checkDone() {
        Map<String, List<Member>> e = expected;
        if (e != null && e.keySet().stream().allMatch(n -> confirmedNanos.containsKey(n) || gone.contains(n))) {
            allConfirmed.countDown();
        }
    }

    public boolean awaitDelivery(Duration timeout) throws InterruptedException {
        return delivered.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** after the delivery */
    public boolean awaitConfirmations(Duration timeout) throws InterruptedException {
        expected();
        return allConfirmed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public ClusterState.Result result() {
        return result;
    }

    /** members by node that had to confirm (none before the delivery) */
    public Map<String, List<Member>> expected() {
        Map<String, List<Member>> e = expected;
        if (e != null) {
            return e;
        }
        synchronized (this) {
            if (expected == null) {
                ClusterState.Result r = result;
                if (r == null) {
                    return Map.of();
                }
                Map<String, List<Member>> byNode = r.switched() == null || !r.accepted() ? Map.of()
                        : r.switched().membersByNode();
                for (Set<String> view : views) {
                    byNode.keySet().stream().filter(n -> !view.contains(n)).forEach(gone::add);
                }
                views.clear();
                if (byNode.containsKey(self)) {
                    confirmedNanos.putIfAbsent(self, deliveredNanos);
                }
                expected = java.util.Collections.unmodifiableMap(byNode);
                for (String node : confirmedNanos.keySet()) {
                    confirmationsOf(node, expected); // those that came before
                }
            }
        }
        checkDone();
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
