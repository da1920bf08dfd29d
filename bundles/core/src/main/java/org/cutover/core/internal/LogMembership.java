package org.cutover.core.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.cutover.api.DefinedNode;
import org.cutover.api.GroupException;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterAcl;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.AddNode;
import org.cutover.core.internal.wire.Envelope.ForceVoters;
import org.cutover.core.internal.wire.Envelope.MajorityRecovered;
import org.cutover.core.internal.wire.Envelope.RemoveNode;
import org.cutover.core.internal.wire.Envelope.SetAcl;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.raft.RaftHandle;

/**
 * The log's membership as an operator changes it: the defined nodes (removing
 * one), the voters among them (adding one), and the forced recovery of a log
 * whose majority is lost for good. {@link LogVoters} carries out each change
 * to the voters.
 */
final class LogMembership {

    private static final System.Logger LOG = System.getLogger(LogMembership.class.getName());

    private final NodeSettings settings;
    private final Replica replica;
    private final Supplier<JChannel> channel;
    private final Supplier<RaftHandle> raft;
    private final Supplier<View> view;
    private final Supplier<LogLink> log;
    private final Supplier<LogVoters> logVoters;
    /** the defined nodes in this node's current view */
    private final Supplier<Set<String>> nodesInView;
    /** whether this node's view holds a majority of the log's voters, i.e. whether an election can succeed here */
    private final BooleanSupplier viewHoldsMajority;
    /** a defined node as this node sees it (PARTITIONED when ACTIVE in the log but missing from the view) */
    private final Function<String, Optional<DefinedNode>> definedNode;
    /** waits until this node's hello is committed, or fails */
    private final Runnable requireSynced;
    private final CallerAppends callers;

    LogMembership(NodeSettings settings, Replica replica, Supplier<JChannel> channel, Supplier<RaftHandle> raft,
                  Supplier<View> view, Supplier<LogLink> log, Supplier<LogVoters> logVoters,
                  Supplier<Set<String>> nodesInView, BooleanSupplier viewHoldsMajority,
                  Function<String, Optional<DefinedNode>> definedNode, Runnable requireSynced,
                  CallerAppends callers) {
        this.settings = settings;
        this.replica = replica;
        this.channel = channel;
        this.raft = raft;
        this.view = view;
        this.log = log;
        this.logVoters = logVoters;
        this.nodesInView = nodesInView;
        this.viewHoldsMajority = viewHoldsMajority;
        this.definedNode = definedNode;
        this.requireSynced = requireSynced;
        this.callers = callers;
    }

    void removeNode(String name) {
        // on the caller's thread: the user of the shell command or JMX operation that asks
        Envelope.Asker asker = CallingUser.current();
        requireSynced.run();
        DefinedNode node = definedNode.apply(name).orElseThrow(() -> new GroupException(ReasonCode.UNKNOWN_NODE,
                "no defined node is named '" + name + "'"));
        if (node.status() == NodeStatus.ACTIVE) {
            throw new GroupException(ReasonCode.NODE_ACTIVE, "node " + name
                    + " is active; stop it before removing it from the defined nodes");
        }
        // Shown PARTITIONED from this node's view, it may still be ACTIVE in the log until the leader's next view
        // entry (every tick) is applied here; the removal is re-checked when applied, so wait for that first.
        awaitReplicated(s -> s.definedNode(name).map(n -> n.status() != NodeStatus.ACTIVE).orElse(true),
                () -> "node " + name + " is gone from this node's view, but the log still has it active",
                ReasonCode.NODE_ACTIVE);
        ClusterState.Result r = callers.appendAndWait(new RemoveNode(name, settings.nodeName(), asker),
                "removing node " + name);
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
        try {
            // the log's voters follow the defined nodes, so the majority no longer counts the removed node (a
            // voter left behind kept two of three nodes from electing a leader after the next crash)
            logVoters.get().remove(name);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "node " + name + " is no longer defined, but the log still counts it"
                    + " as a voter: " + e);
        }
    }

    /** waits up to the operation timeout until the replica satisfies {@code holds}, else fails with {@code code} */
    private void awaitReplicated(Predicate<ClusterState> holds, Supplier<String> why, ReasonCode code) {
        try {
            if (!replica.await(holds, settings.opTimeout())) {
                throw new GroupException(code, why.get() + " after " + settings.opTimeout().toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupException(code, "interrupted while waiting: " + why.get());
        }
    }

    List<String> voters() {
        LogVoters v = logVoters.get();
        return v == null ? List.of() : v.list();
    }

    boolean addNode(String name) {
        Envelope.Asker asker = CallingUser.current();
        requireSynced.run();
        if (voters().contains(name)) {
            return false;
        }
        // a learner is known to the log by its hello; one the view does not hold cannot catch up to vote
        boolean running = definedNode.apply(name).map(n -> n.status() == NodeStatus.ACTIVE).orElse(false);
        if (!running) {
            throw new GroupException(ReasonCode.UNKNOWN_NODE, "no running node named '" + name + "' follows the"
                    + " cluster log; start it (it joins as a learner) and add it then");
        }
        if (!log.get().hasLeader()) {
            throw log.get().noLeader();
        }
        // the entry first: every node checks the asker against the cluster's ACL, and the history names who
        // added the node; the voters change only once it is applied
        ClusterState.Result r = callers.appendAndWait(new AddNode(name, settings.nodeName(),
                System.currentTimeMillis(), asker), "adding node " + name);
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
        logVoters.get().add(name);
        return true;
    }

    Map<String, List<String>> acl() {
        return replica.read(ClusterState::acl);
    }

    void setAcl(String operation, List<String> roles) {
        Envelope.Asker asker = CallingUser.current();
        requireSynced.run();
        ClusterState.Result r = callers.appendAndWait(new SetAcl(operation, roles, settings.nodeName(),
                System.currentTimeMillis(), asker), "setting the ACL of " + operation);
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
    }

    /**
     * Revokes the certificate the cluster state holds for {@code node} (the one its latest entry was signed with), in
     * the cluster's order.
     *
     * @return its fingerprint
     */
    String revokeCertificate(String node) {
        Envelope.Asker asker = CallingUser.current();
        requireSynced.run();
        List<byte[]> chain = replica.read(s -> replica.keys.chainOf(node));
        if (chain.isEmpty()) {
            throw new GroupException(ReasonCode.UNKNOWN_NODE, "the cluster state holds no certificate of a node named '"
                    + node + "' (a node's first entry brings it)");
        }
        String fingerprint = org.cutover.core.internal.tls.EntryVerifier.fingerprint(List.of(chain.get(0)));
        ClusterState.Result r = callers.appendAndWait(new Envelope.RevokeCertificate(node, fingerprint,
                settings.nodeName(), System.currentTimeMillis(), asker), "revoking the certificate of " + node);
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
        return fingerprint;
    }

    /**
     * Recovers a cluster that lost the majority of its voters for good: the voters in this node's view become the
     * only voters, so they can elect a leader and commit again; the log then records the recovery, and the other
     * defined nodes are dropped. Forced: what the lost nodes committed and no survivor holds is gone. Refused
     * while a leader exists or this node's view holds a majority (then the election is only a moment away).
     *
     * @return the new voters
     */
    List<String> recoverMajority() {
        Envelope.Asker asker = CallingUser.current();
        String denied = replica.read(s -> s.aclRefusal(ClusterAcl.MAJORITY_RECOVER, asker));
        if (denied != null) {
            // checked here too, with the ACL this node has applied: the voters are forced before the entry that
            // every node checks can be committed
            throw new GroupException(ReasonCode.NOT_AUTHORIZED, denied);
        }
        JChannel ch = channel.get();
        RaftHandle h = raft.get();
        View v = view.get();
        if (ch == null || h == null || v == null) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + settings.nodeName() + " is not running");
        }
        if (log.get().hasLeader()) {
            throw new GroupException(ReasonCode.NODE_ACTIVE, "the cluster log has a leader (" + h.leader()
                    + "): its majority is there; nothing to recover");
        }
        if (viewHoldsMajority.getAsBoolean()) {
            throw new GroupException(ReasonCode.NODE_ACTIVE, "this node's view holds a majority of the voters "
                    + voters() + ": a leader is elected within seconds; nothing to recover");
        }
        Set<String> inView = nodesInView.get();
        List<String> survivors = voters().stream().filter(inView::contains).toList();
        if (!survivors.contains(settings.nodeName())) {
            throw new GroupException(ReasonCode.UNKNOWN_NODE, "node " + settings.nodeName() + " is not a voter;"
                    + " recover from one of " + voters());
        }
        LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " recovers the cluster log: voters "
                + voters() + " become " + survivors + " (forced; entries only the others hold are lost)");
        logVoters.get().tellOthers(new ForceVoters(settings.nodeName(), survivors));
        forceVoters(survivors, settings.nodeName());
        long deadline = System.nanoTime() + settings.opTimeout().toNanos();
        while (!log.get().hasLeader()) {
            if (System.nanoTime() > deadline) {
                throw new GroupException(ReasonCode.NOT_CONNECTED, "no leader among " + survivors + " within "
                        + settings.opTimeout().toSeconds() + " s; their views: run cluster:node-list on each");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while waiting for a leader");
            }
        }
        ClusterState.Result r = callers.appendAndWait(new MajorityRecovered(settings.nodeName(), survivors,
                System.currentTimeMillis(), asker), "recording the recovery");
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
        return survivors;
    }

    /** counts only these voters, if there is no leader and this node's view holds no majority of the old ones */
    void forceVoters(List<String> voters, String requestedBy) {
        LogVoters v = logVoters.get();
        if (v == null || log.get().hasLeader() || viewHoldsMajority.getAsBoolean()) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " ignores the recovery asked by "
                    + requestedBy + ": it has a leader or a majority of the voters " + voters());
            return;
        }
        v.force(voters);
    }
}
