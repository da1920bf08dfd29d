package org.cutover.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jgroups.JChannel;
import org.jgroups.protocols.raft.RaftLeaderException;
import org.jgroups.protocols.raft.election.BaseElection;
import org.jgroups.raft.RaftHandle;

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
 * the leader it follows once a second with a read through REDIRECT, and starts
 * a vote after {@value #FAILED_PROBES} probes in a row were refused by a node
 * that says it does not lead. A probe that only times out does not count: a
 * leader that is slow or cut off may still be committing, and a vote beside a
 * leader that still commits let ChaosTest end with two states at one commit
 * index (ELECTION2 reads a voter's log while RAFT's thread may still append to
 * it). It also starts a vote when it has had no leader for that long with a
 * majority in view and no vote running. A healthy leader answers every probe.
 *
 * <p>Taken out once (1705105) because runs in which it started votes forked
 * the log. The fork was RAFT's, not the vote's: a read on the leader (this
 * probe, and the commit nudge) committed everything the leader had appended,
 * majority or not, so a deposed leader applied its own tail. CheckedRAFT caps
 * the leader's commit since; see docs/reliability.md.
 */
final class LeaderWatch {

    private static final System.Logger LOG = System.getLogger(LeaderWatch.class.getName());

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

        /** whether a probe's failure is the leader's own word that it does not lead */
        boolean notLeading(Throwable failure);

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

    /** the watch of one node: its RAFT handle (probes go through REDIRECT to the leader) and its election */
    static LeaderWatch of(JChannel ch, RaftHandle handle) {
        BaseElection vote = ch.getProtocolStack().findProtocol(BaseElection.class);
        return new LeaderWatch(new Election() {
            @Override
            public Object leader() {
                return handle.leader();
            }

            @Override
            public boolean isLeader() {
                return handle.isLeader();
            }

            @Override
            public CompletableFuture<?> probe() {
                try {
                    return handle.getAsync(LogLink.COMMIT_NUDGE, 0, LogLink.COMMIT_NUDGE.length);
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public boolean notLeading(Throwable failure) {
                // RAFT 1.1.4 refuses with IllegalStateException("I'm not the leader ..."), which REDIRECT hands back
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    if (t instanceof RaftLeaderException || (t instanceof IllegalStateException
                            && t.getMessage() != null && t.getMessage().contains("not the leader"))) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public boolean voting() {
                return vote == null || vote.isVotingThreadRunning();
            }

            @Override
            public void startVote() {
                if (vote != null) {
                    LOG.log(System.Logger.Level.INFO, ch.getName() + ": no leader of the log answers (last known: "
                            + handle.leader() + "); this view coordinator starts a vote");
                    vote.runVotingThread();
                }
            }
        });
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
            probed(e);
            return;
        }
        f.orTimeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((r, e) -> probed(e));
    }

    private void probed(Throwable failure) {
        if (failure != null && election.notLeading(failure)) {
            failedInARow.incrementAndGet();
        } else {
            failedInARow.set(0); // answered, or no word at all (a time-out): the leader may still be committing
        }
        probing.set(false);
    }
}
