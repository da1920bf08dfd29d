package org.cutover.core.internal;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.cutover.api.ClusterService;
import org.cutover.api.GroupInfo;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.*;
import org.jgroups.raft.RaftHandle;

/**
 * What the log's entries do on this node: each envelope changes the
 * {@link Replica}'s state and is handed on to the local members, the group
 * messaging, the state transfer and this node's pending adjusts. Called by the
 * {@link LogApplier} on RAFT's one applier thread, in log order, holding the
 * replica's monitor.
 */
final class EnvelopeApplier implements LogApplier.Target {

    private static final System.Logger LOG = System.getLogger(EnvelopeApplier.class.getName());

    private final String nodeName;
    /** the node stops: its replica no longer follows the log */
    private final java.util.function.Consumer<String> cannotFollow;
    private final Replica replica;
    private final EventSink events;
    private final LocalMembers locals;
    private final GroupMessaging messaging;
    private final StateTransfer stateTransfer;
    private final PendingAdjusts adjusts;
    /** a unicast to a node, beside the log */
    private final BiConsumer<String, Envelope> unicast;
    private final Supplier<LogLink> log;
    private final Supplier<RaftHandle> raft;
    private final Supplier<LogVoters> logVoters;
    /** whether this node made a member since its hello was committed (a join it may have given up on) */
    private final Predicate<String> madeByThisIncarnation;
    /** a leave this node owes the log, appended until the state no longer lists the member (OwedLeaves) */
    private final java.util.function.Consumer<Leave> owe;
    /** after an entry that may let a group's level rise; hands off at once */
    private final Runnable levelsMayRise;
    /** the revoked certificates' fingerprints, each time they change: this node's TLS refuses them */
    private final java.util.function.Consumer<Set<String>> revocations;

    EnvelopeApplier(String nodeName, Replica replica, EventSink events, LocalMembers locals,
                    GroupMessaging messaging, StateTransfer stateTransfer, PendingAdjusts adjusts,
                    BiConsumer<String, Envelope> unicast, Supplier<LogLink> log, Supplier<RaftHandle> raft,
                    Supplier<LogVoters> logVoters, Predicate<String> madeByThisIncarnation,
                    java.util.function.Consumer<Leave> owe, Runnable levelsMayRise, java.util.function.Consumer<Set<String>> revocations,
                    java.util.function.Consumer<String> cannotFollow) {
        this.cannotFollow = cannotFollow;
        this.nodeName = nodeName;
        this.replica = replica;
        this.events = events;
        this.locals = locals;
        this.messaging = messaging;
        this.stateTransfer = stateTransfer;
        this.adjusts = adjusts;
        this.unicast = unicast;
        this.log = log;
        this.raft = raft;
        this.logVoters = logVoters;
        this.madeByThisIncarnation = madeByThisIncarnation;
        this.owe = owe;
        this.levelsMayRise = levelsMayRise;
        this.revocations = revocations;
    }

    @Override
    public ClusterState.Result apply(Envelope e, String author, long position) {
        ClusterState.Result r = applyEnvelope(e, author, position);
        if (r.accepted() && mayRaiseLevels(e)) {
            levelsMayRise.run();
        }
        return r;
    }

    /**
     * the entries after which every defined node may run a higher level than a group, with nothing in the way, or
     * a node's turn in a cluster-wide upgrade may have come
     */
    private static boolean mayRaiseLevels(Envelope e) {
        return e instanceof CapabilityChanged || e instanceof Hello || e instanceof ViewChanged
                || e instanceof RemoveNode || e instanceof AddNode || e instanceof Hold || e instanceof Goodbye
                || e instanceof MajorityRecovered || e instanceof Join || e instanceof UpgradeStart
                || e instanceof UpgradeProgress || e instanceof UpgradeAbort;
    }

    @Override
    public void snapshotInstalled() {
        revocations.accept(replica.state.revoked().keySet());
        // a member here missed what the snapshot covers: it cannot stay (it would see a gap)
        for (LocalMember lm : locals.all()) {
            if (lm.isJoined()) {
                locals.drop(lm, Reason.FAILURE, "node " + nodeName + " caught up from a snapshot;"
                        + " the member missed messages");
            }
        }
    }

    @Override
    public void applied(String author, long session, long number, int index, ClusterState.Result r) {
        LogLink l = log.get();
        if (l != null) {
            l.applied(author, session, number, index, r);
        }
    }

    @Override
    public void cannotFollow(String why) {
        cannotFollow.accept(why);
    }

    @Override
    public void applyingEntry(Runnable envelopes) {
        locals.together(envelopes);
    }

    @Override
    public void entryApplied() {
        LogLink l = log.get();
        if (l != null) {
            l.entryApplied();
        }
        RaftHandle h = raft.get();
        if (l != null && h != null && h.isLeader() && !isChecked(h.raft())) {
            // CheckedRAFT tells the followers of each commit before it applies it; RAFT's own, in a stack kept
            // from an older distribution, only at its next resend
            l.nudgeCommit();
        }
    }

    /** holding the replica's monitor; returns what applying the envelope did */
    private ClusterState.Result applyEnvelope(Envelope e, String author, long pos) {
        if (!Speaker.mayCome(e, author)) {
            LOG.log(System.Logger.Level.WARNING, "refused a " + e.getClass().getSimpleName() + " of node " + author
                    + " that speaks for node " + Speaker.of(e));
            return ClusterState.Result.refuse(ReasonCode.UNKNOWN_NODE, "node " + author + " speaks only for itself"
                    + " and its own members, not for node " + Speaker.of(e));
        }
        if (e instanceof GroupData d) {
            messaging.onGroupData(d, pos);
            return ClusterState.Result.NOTHING;
        } else if (e instanceof Hello h) {
            return changed(replica.state.hello(h));
        } else if (e instanceof CapabilityChanged c) {
            ClusterState.Result r = changed(replica.state.capabilityChanged(c));
            if (r.accepted()) {
                events.post(ClusterService.TOPIC_CAPABILITY_CHANGED, () -> Map.of("node", c.node(), "levels",
                        c.levels().stream().mapToInt(Integer::intValue).toArray()));
            }
            return r;
        } else if (e instanceof Goodbye g) {
            return changed(replica.state.goodbye(g));
        } else if (e instanceof ViewChanged v) {
            long entryTerm = entryTerm();
            if (entryTerm > 0 && v.term() != entryTerm) {
                // the leader announces its view with its term, in an entry of that term; a view of any other
                // term (MAX_VALUE would refuse every later view) is a stale resend or a forgery
                return ClusterState.Result.refuse(ReasonCode.CONCURRENT_ADJUST, "a view of term " + v.term()
                        + " in a log entry of term " + entryTerm + ": only a term's leader announces its views");
            }
            ClusterState.Result r = changed(replica.state.viewChanged(v));
            if (r.accepted()) {
                adjusts.nodesChanged(this::activeNodes);
            }
            return r;
        } else if (e instanceof RemoveNode r) {
            return changed(replica.state.removeNode(r));
        } else if (e instanceof Join j) {
            return applyJoin(j);
        } else if (e instanceof Leave l) {
            return changed(replica.state.leave(l));
        } else if (e instanceof Adjust a) {
            return applyAdjust(a);
        } else if (e instanceof AdjustDone d) {
            replica.state.adjustDone(d);
            return ClusterState.Result.NOTHING;
        } else if (e instanceof ImportHistory h) {
            return replica.state.importHistory(h);
        } else if (e instanceof AddNode a) {
            return replica.state.addNode(a);
        } else if (e instanceof SetAcl a) {
            return replica.state.setAcl(a);
        } else if (e instanceof RevokeCertificate c) {
            ClusterState.Result r = replica.state.revokeCertificate(c);
            if (r.accepted()) {
                revocations.accept(replica.state.revoked().keySet());
            }
            return r;
        } else if (e instanceof Hold h) {
            return replica.state.hold(h);
        } else if (e instanceof UpgradeStart u) {
            return replica.state.upgradeStart(u);
        } else if (e instanceof UpgradeProgress u) {
            return replica.state.upgradeProgress(u);
        } else if (e instanceof UpgradeAbort u) {
            return replica.state.upgradeAbort(u);
        } else if (e instanceof MajorityRecovered m) {
            // the voters follow the entry on every node, also when the log is replayed at a restart
            logVoters.get().set(m.voters());
            LOG.log(System.Logger.Level.WARNING, "the cluster log was recovered by " + m.requestedBy() + ": voters "
                    + m.voters());
            return changed(replica.state.majorityRecovered(m));
        }
        LOG.log(System.Logger.Level.WARNING, "unexpected " + e.getClass().getSimpleName() + " in the log from "
                + author);
        return ClusterState.Result.NOTHING;
    }

    private Set<String> activeNodes() {
        Set<String> active = new HashSet<>();
        replica.state.definedNodes().forEach(n -> {
            if (n.status() == NodeStatus.ACTIVE) {
                active.add(n.name());
            }
        });
        return active;
    }

    private ClusterState.Result applyJoin(Join j) {
        ClusterState.Result r = replica.state.join(j);
        if (!r.accepted()) {
            return r;
        }
        GroupInfo g = replica.state.group(j.group()).orElseThrow();
        Optional<Member> provider = g.members().stream().filter(x -> !x.id().equals(j.member())).findFirst();
        LocalMember m = locals.get(j.member());
        if (m != null) {
            locals.joined(m, g.level(), g.epoch());
            provider.ifPresent(p -> m.stateFrom(p.node()));
            if (provider.isEmpty()) {
                m.joinState.complete(null);
            }
            // the member's first delivery: its state, before anything that follows the join
            stateTransfer.restoreOnDeliveryThread(m);
        } else if (madeByThisIncarnation.test(j.member())) {
            // a join this node gave up on (its caller timed out) was committed after all: undo it, for sure (a
            // leave appended once was lost with no leader, and the member nobody runs stayed listed: ChaosTest,
            // seed 38611554709552, every later join of its node asked it for state in vain)
            owe.accept(new Leave(j.group(), j.member()));
        }
        provider.ifPresent(p -> stateTransfer.provide(p, j));
        changed(r);
        return r;
    }

    /**
     * The confirmation goes before the members are told: the asker waits for this node's state to switch, and
     * queueing the change to 1,000 members (one event and one delivery each) took most of a 1,000-group adjust.
     * The members still get it before anything that follows it in the log.
     */
    private ClusterState.Result applyAdjust(Adjust a) {
        ClusterState.Result r = replica.state.adjust(a);
        boolean asker = a.requestedBy().equals(nodeName);
        if (r.accepted() && !asker && replica.state.hostsMembers(nodeName, a.from())) {
            unicast.accept(a.requestedBy(), new AdjustConfirm(a.requestId(), nodeName));
        }
        // only this node's own adjust: another node's with the same request id (a replay) that this node applies
        // first would otherwise answer the waiter in its place (the first delivery decides)
        AdjustWaiter waiter = asker ? adjusts.waiter(a.requestId()) : null;
        if (waiter != null) {
            waiter.delivered(r, activeNodes(), nodeName);
        }
        changed(r, a.revertable());
        if (!r.accepted()) {
            LOG.log(System.Logger.Level.INFO, "adjust " + a.requestId() + " from " + a.requestedBy() + " not applied: "
                    + r.refused() + ": " + r.why());
        }
        return r;
    }

    /** the term of the log entry being applied, as CheckedRAFT tells it; 0 from a RAFT that does not */
    private long entryTerm() {
        org.jgroups.protocols.raft.RAFT r = checkedRaft();
        return r == null ? 0 : (Long) r.getValue("applyingTerm");
    }

    /** the log's RAFT if it is Cutover's CheckedRAFT (a class this bundle does not import), else null */
    private org.jgroups.protocols.raft.RAFT checkedRaft() {
        RaftHandle h = raft.get();
        org.jgroups.protocols.raft.RAFT r = h == null ? null : h.raft();
        return isChecked(r) ? r : null;
    }

    private static boolean isChecked(org.jgroups.protocols.raft.RAFT r) {
        return r != null && r.getClass().getName().equals(RaftSetup.CHECKED_RAFT);
    }

    /** tells the local members about an accepted change */
    private ClusterState.Result changed(ClusterState.Result r) {
        return changed(r, false);
    }

    /** @param revertable an adjust the member nodes watch and revert (the adjust event says so) */
    private ClusterState.Result changed(ClusterState.Result r, boolean revertable) {
        if (r.accepted()) {
            for (MembershipChange c : r.changes()) {
                locals.dispatch(c, revertable);
            }
        }
        return r;
    }
}
