package org.cutover.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes sure the leader the cluster follows still leads. jgroups-raft 1.1.4's
 * ELECTION2 starts a vote only at a view change that calls for one (a majority
 * reached or the leader gone from the view). A leader that steps down while it
 * stays in the others' views (it went deaf, its own view lost the majority, the
 * others still heard it) remains their leader, and no view change follows
 * that starts a vote: in ChaosTest (seed 20261202, step 102) no node led for
 * 60 s and two nodes never caught up.
 *
 * <p>So the view coordinator, the one node ELECTION2 lets start a vote, probes
 * the leader it follows once a second with a read through REDIRECT (answered
 * by the leader only while it leads), and starts a vote after
 * {@value #FAILED_PROBES} probes in a row fail. It also starts one when it has
 * had no leader for that long with a majority in view and no vote running. A
 * vote costs the cluster one election (vote_timeout 600 ms); a healthy leader
 * answers every probe.
 */
final class LeaderWatch {

    static final long PROBE_EVERY_MILLIS = 1000;
    static final long PROBE_TIMEOUT_MILLIS = 2000;
    static final int FAILED_PROBES = 3;

    /** the parts of RAFT, REDIRECT and ELECTION2 it uses */
    interface Election {
        /** the leader this node follows, or null */
        Object leader();

        boolean isLeader();

        /** a read-only request to the leader, completed by it only while it leads */
        CompletableFuture<?> probe();

        boolean voting();

        void startVote();
    }

    private final Election election;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicInteger failedInARow = new AtomicInteger();
    private long lastProbe = Long.MIN_VALUE / 2;
    private long leaderlessSince = -1;

    LeaderWatch(Election election) {
        this.election = election;
    }

    /** called on the node's timer; {@code coordinator}: this node coordinates a view that holds a majority */
    synchronized void tick(long nowMillis, boolean coordinator) {
        if (!coordinator || election.isLeader()) {
            leaderlessSince = -1;
            failedInARow.set(0);
            return;
        }
        if (election.leader() == null) {
            failedInARow.set(0);
            if (leaderlessSince < 0) {
                leaderlessSince = nowMillis;
            } else if (nowMillis - leaderlessSince >= FAILED_PROBES * PROBE_EVERY_MILLIS && !election.voting()) {
                leaderlessSince = nowMillis;
                election.startVote();
            }
            return;
        }
        leaderlessSince = -1;
        if (failedInARow.get() >= FAILED_PROBES) {
            failedInARow.set(0);
            election.startVote();
            return;
        }
        if (nowMillis - lastProbe < PROBE_EVERY_MILLIS || !probing.compareAndSet(false, true)) {
            return;
        }
        lastProbe = nowMillis;
        CompletableFuture<?> f;
        try {
            f = election.probe();
        } catch (Exception e) {
            probed(false);
            return;
        }
        f.orTimeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((r, e) -> probed(e == null));
    }

    private void probed(boolean answered) {
        if (answered) {
            failedInARow.set(0);
        } else {
            failedInARow.incrementAndGet();
        }
        probing.set(false);
    }
}
