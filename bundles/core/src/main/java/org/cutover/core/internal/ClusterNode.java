package org.cutover.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.state.StateStore;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.*;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.Role;
import org.jgroups.protocols.raft.election.BaseElection;
import org.jgroups.raft.RaftHandle;
import org.jgroups.stack.Protocol;
import org.jgroups.util.UUID;

/**
 * One Cutover node: its JChannel, its replica of the cluster state, and the
 * members that live on it. Every ordered envelope is an entry of the cluster
 * log (jgroups-raft): committed by a majority of the defined nodes, then
 * applied here in log order by RAFT's one applier thread ({@link LogApplier}),
 * holding the {@link Replica}'s monitor. What a change means for the local
 * members is queued to each member's own delivery thread, never run holding
 * it.
 */
public final class ClusterNode implements ClusterService, GroupService, Receiver, AutoCloseable {

    /** builds the node's channel; the stack comes from a file in Karaf, derived from it in tests */
    @FunctionalInterface
    public interface ChannelFactory {
        JChannel create() throws Exception;
    }

    /** RAFT with followers that commit only what they checked (in the wrapped JGroups bundle, not exported) */
    static final String CHECKED_RAFT = "org.cutover.jgroups.raft.CheckedRAFT";
    static final String CHECKED_ELECTION = "org.cutover.jgroups.raft.CheckedELECTION2";

    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());
    /** how often the node re-checks what it must tell the log (its hello, its levels, the leader's view) */
    private static final long TICK_MILLIS = 250;
    /** how long a caller's send, join or leave waits for a leader before it fails with GROUP_PARTITIONED */
    static final long LEADER_WAIT_MILLIS = 2000;

    private final NodeSettings settings;
    private final ChannelFactory channelFactory;
    private final InfraLevels infra;
    private final EventSink events;

    private final Replica replica = new Replica();

    private volatile JChannel channel;
    private volatile RaftHandle raft;
    private volatile LogLink log;
    private volatile LogCompaction compaction;
    private volatile LogLossCheck logLoss;
    private volatile LogVoters logVoters;
    private volatile View view;
    private volatile boolean connected;
    /** opens when this node's fresh hello is applied: from then on its joins are ordered after it */
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile long incarnation;
    private List<GroupVersion> legacyVersions = List.of();
    /** the adjust history of a state file of the pre-log format, to import once after the first hello */
    private volatile byte[] legacyHistory;
    private final LocalMembers locals;
    private final GroupMessaging messaging;
    private final StateTransfer stateTransfer;
    private final Map<String, AdjustWaiter> adjusts = new ConcurrentHashMap<>();
    private final AtomicLong memberCounter = new AtomicLong();
    private final ScheduledExecutorService timer;
    /** runs the local members' deliveries ({@link MemberQueue}) */
    private final DeliveryScheduler deliveries;
    private final AtomicBoolean helloInFlight = new AtomicBoolean();
    private final AtomicBoolean levelsInFlight = new AtomicBoolean();
    private final AtomicBoolean viewInFlight = new AtomicBoolean();

    public ClusterNode(NodeSettings settings, ChannelFactory channelFactory, InfraLevels infra, EventSink events) {
        this.settings = settings;
        this.channelFactory = channelFactory;
        this.infra = infra;
        this.events = events;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-" + settings.nodeName());
            t.setDaemon(true);
            return t;
        });
        AtomicLong deliveryThreads = new AtomicLong();
        // the runners' threads: one more when none is idle (a slow listener keeps one), idle ones end after a minute
        Executor deliveryThreadPool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "cutover-deliver-" + settings.nodeName() + "-"
                            + deliveryThreads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.deliveries = new DeliveryScheduler(deliveryThreadPool, timer,
                Runtime.getRuntime().availableProcessors());
        this.locals = new LocalMembers(settings.nodeName(), replica, events, leave -> {
            if (connected) {
                log.append(leave);
            }
        });
        this.messaging = new GroupMessaging(settings.nodeName(), infra, replica, locals, this::appendForCaller,
                this::unicast, timer);
        this.stateTransfer = new StateTransfer(settings.nodeName(), locals, this::unicast, settings.opTimeout());
    }

    // ---- lifecycle ----

    /**
     * Connects the channel; RAFT replays this node's log into the state first.
     * Returns once connected; {@link #awaitSynced} waits until this node is part of the cluster (its hello
     * committed), which needs a majority of the defined nodes.
     *
     * @throws IOException if a state file of the old format is damaged (the message says what to do)
     */
    public void start() throws Exception {
        Files.createDirectories(settings.logDir());
        boolean newLog = isEmptyDir(settings.logDir());
        logLoss = new LogLossCheck(settings.logDir(), settings.fsync());
        Optional<String> lost = logLoss.start(newLog);
        if (newLog && Files.exists(settings.legacyState())) {
            // a node of the pre-log kind: its levels and epochs go into the log with its first hello
            Optional<ClusterState> old = new StateStore(settings.legacyState()).load();
            legacyVersions = old.map(ClusterState::groupVersions).orElse(List.of());
            legacyHistory = old.map(ClusterState::historyBytes).orElse(null);
            LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName() + " imports the levels of "
                    + settings.legacyState() + ": " + legacyVersions);
        }
        JChannel ch = channelFactory.create();
        ch.setName(settings.nodeName());
        RAFT protocol = ch.getProtocolStack().findProtocol(RAFT.class);
        if (protocol == null) {
            throw new IllegalStateException("the JGroups stack has no raft.RAFT protocol: Cutover's order needs it");
        }
        Protocol election = ch.getProtocolStack().findProtocol(BaseElection.class);
        if (!protocol.getClass().getName().equals(CHECKED_RAFT)
                || election == null || !election.getClass().getName().equals(CHECKED_ELECTION)) {
            // an etc/cutover-jgroups.xml kept from an older distribution: Karaf does not replace files in etc/
            LOG.log(System.Logger.Level.WARNING, "the JGroups stack names " + protocol.getClass().getName() + " and "
                    + (election == null ? "no election" : election.getClass().getName()) + ", not " + CHECKED_RAFT
                    + " and " + CHECKED_ELECTION + ": a deposed leader can then commit entries of its old term that"
                    + " no other node has, a vote can elect a node without a committed entry, and the order breaks;"
                    + " use the stack file of this distribution");
        }
        if (lost.isPresent() && protocol.getClass().getName().equals(CHECKED_RAFT)) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " may have lost log entries it"
                    + " acknowledged: " + lost.get() + ". It answers no vote until it has caught up with a leader;"
                    + " if no leader can be elected without it, bring back a node that kept its log");
            protocol.setValue("catch_up_before_voting", true);
        }
        protocol.raftId(settings.nodeName()).members(settings.members()).logDir(settings.logDir().toString())
                .logUseFsync(settings.fsync());
        compaction = new LogCompaction(protocol, settings.logCompactBytes());
        protocol.logPrefix(settings.nodeName());
        RaftHandle handle = new RaftHandle(ch, new LogApplier(replica, new Applied()));
        handle.addRoleListener(role -> {
            if (role == Role.Leader) {
                later(this::publishView);
            }
        });
        raft = handle;
        logVoters = new LogVoters(ch, handle, settings.opTimeout());
        log = new LogLink(handle, settings.nodeName(), settings.opTimeout(), () -> {
            synchronized (replica) {
                return replica.authors.sessionOf(settings.nodeName());
            }
        });
        ch.setReceiver(this);
        channel = ch;
        ch.connect(settings.clusterName());
        view = ch.getView();
        connected = true;
        infra.onChange(levels -> later(this::announceLevels));
        timer.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** on the node's timer thread; nothing once the node is closing (it has nothing more to tell the log) */
    private void later(Runnable task) {
        try {
            timer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed
        }
    }

    private static boolean isEmptyDir(java.nio.file.Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** whether this node's hello is committed: it is part of the cluster and applies the log */
    public boolean isSynced() {
        return ready.getCount() == 0;
    }

    /** Leaves the cluster in an orderly way: a Goodbye in the log, then the channel closes. */
    @Override
    public void close() {
        JChannel ch = channel;
        if (ch == null) {
            return;
        }
        try {
            if (isSynced() && ch.isConnected() && log.hasLeader()) {
                log.append(new Goodbye(settings.nodeName())).get(settings.opTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName()
                    + " could not say goodbye before closing; the others will see it as PARTITIONED: " + e);
        } finally {
            timer.shutdownNow();
            log.close();
            ch.close();
            try {
                logLoss.stopped();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " could not mark its log as"
                        + " stopped in order; after a machine restart it will catch up before it votes: " + e);
            }
            channel = null;
            connected = false;
            locals.clear();
            // the delivery pool is not shut down: what the members have queued still runs, and its threads end
            // a minute after their last delivery
        }
    }

    // ---- ClusterService ----

    @Override
    public String localNode() {
        return settings.nodeName();
    }

    /**
     * The replicated statuses, except that a node ACTIVE there but missing from this node's view is shown
     * PARTITIONED: on a side without a majority nothing new is committed, and the operator there still sees who
     * vanished.
     */
    @Override
    public List<DefinedNode> definedNodes() {
        Set<String> inView = nodesInView();
        return read(s -> s.definedNodes().stream().map(n -> asSeenHere(n, inView)).toList());
    }

    @Override
    public Optional<DefinedNode> definedNode(String name) {
        Set<String> inView = nodesInView();
        return read(s -> s.definedNode(name).map(n -> asSeenHere(n, inView)));
    }

    private DefinedNode asSeenHere(DefinedNode n, Set<String> inView) {
        return n.status() == NodeStatus.ACTIVE && view != null && !inView.contains(n.name())
                ? new DefinedNode(n.name(), NodeStatus.PARTITIONED, n.address(), n.levels()) : n;
    }

    @Override
    public void removeNode(String name) {
        requireSynced();
        DefinedNode node = definedNode(name).orElseThrow(() -> new GroupException(ReasonCode.UNKNOWN_NODE,
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
        ClusterState.Result r = await(appendForCaller(new RemoveNode(name, settings.nodeName())),
                "removing node " + name);
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
        try {
            // the log's voters follow the defined nodes, so the majority no longer counts the removed node (a
            // voter left behind kept two of three nodes from electing a leader after the next crash)
            logVoters.remove(name);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "node " + name + " is no longer defined, but the log still counts it"
                    + " as a voter: " + e);
        }
    }

    @Override
    public List<String> voters() {
        LogVoters v = logVoters;
        return v == null ? List.of() : v.list();
    }

    @Override
    public boolean addNode(String name) {
        requireSynced();
        if (voters().contains(name)) {
            return false;
        }
        // a learner is known to the log by its hello; one the view does not hold cannot catch up to vote
        boolean running = definedNode(name).map(n -> n.status() == NodeStatus.ACTIVE).orElse(false);
        if (!running) {
            throw new GroupException(ReasonCode.UNKNOWN_NODE, "no running node named '" + name + "' follows the"
                    + " cluster log; start it (it joins as a learner) and add it then");
        }
        if (!log.hasLeader()) {
            throw log.noLeader();
        }
        logVoters.add(name);
        return true;
    }

    /**
     * Recovers a cluster that lost the majority of its voters for good: the voters in this node's view become the
     * only voters, so they can elect a leader and commit again; the log then records the recovery, and the other
     * defined nodes are dropped. Forced: what the lost nodes committed and no survivor holds is gone. Refused
     * while a leader exists or this node's view holds a majority (then the election is only a moment away).
     *
     * @return the new voters
     */
    public List<String> recoverMajority() {
        JChannel ch = channel;
        RaftHandle h = raft;
        View v = view;
        if (ch == null || h == null || v == null) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + settings.nodeName() + " is not running");
        }
        if (log.hasLeader()) {
            throw new GroupException(ReasonCode.NODE_ACTIVE, "the cluster log has a leader (" + h.leader()
                    + "): its majority is there; nothing to recover");
        }
        if (viewHoldsMajority()) {
            throw new GroupException(ReasonCode.NODE_ACTIVE, "this node's view holds a majority of the voters "
                    + voters() + ": a leader is elected within seconds; nothing to recover");
        }
        Set<String> inView = nodesInView();
        List<String> survivors = voters().stream().filter(inView::contains).toList();
        if (!survivors.contains(settings.nodeName())) {
            throw new GroupException(ReasonCode.UNKNOWN_NODE, "node " + settings.nodeName() + " is not a voter;"
                    + " recover from one of " + voters());
        }
        LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " recovers the cluster log: voters "
                + voters() + " become " + survivors + " (forced; entries only the others hold are lost)");
        logVoters.tellOthers(new ForceVoters(settings.nodeName(), survivors));
        forceVoters(survivors, settings.nodeName());
        long deadline = System.nanoTime() + settings.opTimeout().toNanos();
        while (!log.hasLeader()) {
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
        ClusterState.Result r = await(appendForCaller(new MajorityRecovered(settings.nodeName(), survivors,
                System.currentTimeMillis())), "recording the recovery");
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
        return survivors;
    }

    /** counts only these voters, if there is no leader and this node's view holds no majority of the old ones */
    private void forceVoters(List<String> voters, String requestedBy) {
        LogVoters v = logVoters;
        if (v == null || log.hasLeader() || viewHoldsMajority()) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " ignores the recovery asked by "
                    + requestedBy + ": it has a leader or a majority of the voters " + voters());
            return;
        }
        v.force(voters);
    }

    // ---- GroupService ----

    @Override
    public org.cutover.api.Group join(String group, GroupListener listener) {
        if (group == null || group.isBlank() || group.length() > 200) {
            throw new IllegalArgumentException("a group name must be 1 to 200 characters, not blank");
        }
        requireSynced();
        // node#incarnation.n: unique across restarts, so applications can key state by member id
        String id = settings.nodeName() + "#" + incarnation + "." + memberCounter.incrementAndGet();
        LocalMember member = new LocalMember(this, group, new Member(settings.nodeName(), id), listener,
                deliveries);
        locals.add(member);
        try {
            ClusterState.Result r = await(appendForCaller(new Join(group, id, settings.nodeName())), "joining group "
                    + group);
            if (!r.accepted()) {
                throw new GroupException(r.refused(), r.why());
            }
            try {
                member.ready.get(settings.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // never carry on empty: a member without the group's state would diverge from the others
                leaveQuietly(member);
                throw new GroupException(ReasonCode.NOT_CONNECTED, "member " + id + " of group " + group + " got no"
                        + " state from the other members within " + settings.opTimeout().toSeconds() + " s; the"
                        + " join is undone");
            }
            return member;
        } catch (RuntimeException e) {
            locals.remove(id);
            member.left();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locals.remove(id);
            member.left();
            throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while joining group " + group);
        }
    }

    private void leaveQuietly(LocalMember member) {
        try {
            leave(member);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not undo the join of " + member + ": " + e.getMessage());
        }
    }

    @Override
    public List<GroupInfo> groups() {
        return read(ClusterState::groups);
    }

    @Override
    public Optional<GroupInfo> group(String name) {
        return read(s -> s.group(name));
    }

    // ---- what LocalMember and the version negotiator use ----

    void leave(LocalMember member) {
        String id = member.self().id();
        member.leaving();
        await(appendForCaller(new Leave(member.name(), id)), "leaving group " + member.name());
    }

    boolean supports(int level, InfraFunction function) {
        return infra.protocol(level).map(p -> p.functions().contains(function)).orElse(false);
    }

    /** returns once the message is committed in the log and applied here (not yet delivered to the listeners) */
    void sendData(LocalMember member, byte[] payload) {
        await(messaging.send(member, payload), "sending to group " + member.name());
    }

    CompletableFuture<Void> sendDataAsync(LocalMember member, byte[] payload) {
        return messaging.send(member, payload);
    }

    CompletionStage<RequestResult> sendRequest(LocalMember member, byte[] payload, Duration timeout) {
        return messaging.request(member, payload, timeout);
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

    /** runs a read of the replicated state under the replica's monitor */
    public <T> T read(Function<ClusterState, T> query) {
        return replica.read(query);
    }

    /** the names of the defined nodes that are in this node's current JGroups view */
    public Set<String> nodesInView() {
        View v = view;
        Set<String> names = new TreeSet<>();
        if (v == null) {
            return names;
        }
        synchronized (replica) {
            for (Address a : v.getMembers()) {
                replica.state.nodeWithUuid(uuidOf(a)).ifPresent(names::add);
            }
        }
        return names;
    }

    /** whether this node sees a leader of the cluster log, i.e. is in the primary component */
    public boolean hasLeader() {
        LogLink l = log;
        return l != null && l.hasLeader();
    }

    public NodeSettings settings() {
        return settings;
    }

    public InfraLevels infra() {
        return infra;
    }

    /** appends an adjust to the log; the waiter follows its application and the confirmations */
    public void sendAdjust(Adjust adjust, AdjustWaiter waiter) {
        adjusts.put(adjust.requestId(), waiter);
        appendForCaller(adjust).whenComplete((r, e) -> {
            if (e != null) {
                waiter.failed(e instanceof GroupException g ? g : new GroupException(ReasonCode.NOT_CONNECTED,
                        e.toString()));
            }
        });
    }

    /** records how the adjust ended in the replicated history; off the caller's path */
    public void finishAdjust(AdjustDone done) {
        adjusts.remove(done.requestId());
        log.append(done).whenComplete((r, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.DEBUG, "adjust outcome not recorded: " + e);
            }
        });
    }

    public void requireSynced() {
        try {
            if (!awaitSynced(settings.opTimeout())) {
                if (!hasLeader()) {
                    throw log.noLeader();
                }
                throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + settings.nodeName()
                        + " has not joined the cluster log within " + settings.opTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while waiting for the cluster state");
        }
    }

    /**
     * For a caller that waits anyway: a leader change does not fail the call. Without a leader it fails with
     * GROUP_PARTITIONED after {@value #LEADER_WAIT_MILLIS} ms when this node's view holds no majority of the log's
     * voters (no election can succeed here), and after the operation timeout when it does (an election is due, and
     * took over 2 s on a loaded 2-core machine). Never from the applier thread.
     */
    private CompletableFuture<ClusterState.Result> appendForCaller(Envelope e) {
        long start = System.nanoTime();
        long minorityDeadline = start + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        long majorityDeadline = start + settings.opTimeout().toNanos();
        while (!log.hasLeader() && connected) {
            long now = System.nanoTime();
            if (now >= majorityDeadline || (now >= minorityDeadline && !viewHoldsMajority())) {
                break;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return log.append(e);
    }

    /** whether this node's view holds a majority of the log's voters, i.e. whether an election can succeed here */
    private boolean viewHoldsMajority() {
        LogVoters v = logVoters;
        return v != null && v.majorityAmong(nodesInView());
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(settings.opTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException ex) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " was not applied within "
                    + settings.opTimeout().toSeconds() + " s; it may still be");
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof GroupException g) {
                throw new GroupException(g.code(), what + ": " + g.getMessage());
            }
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " failed: " + ex.getCause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " was interrupted");
        }
    }

    // ---- what the node tells the log on its own ----

    /** the node's hello until it is committed, its levels when they differ from the log's, the leader's view */
    private void tick() {
        try {
            if (!isSynced()) {
                sayHello();
            } else {
                announceLevels();
            }
            if (raft.isLeader()) {
                publishView();
            }
            compaction.maybeCompact();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "tick: " + e);
        }
    }

    private void sayHello() {
        JChannel ch = channel;
        if (ch == null || !log.hasLeader() || !helloInFlight.compareAndSet(false, true)) {
            return;
        }
        Address self = ch.getAddress();
        Object physical = ch.down(new Event(Event.GET_PHYSICAL_ADDRESS, self));
        long known;
        synchronized (replica) {
            known = replica.state.incarnationOf(settings.nodeName());
        }
        Hello hello = new Hello(settings.nodeName(), uuidOf(self), physical == null ? uuidOf(self)
                : physical.toString(), infra.levels(), Map.of(), legacyVersions, true, known);
        log.append(hello).whenComplete((r, e) -> {
            helloInFlight.set(false);
            if (e == null && r.accepted()) {
                synchronized (replica) {
                    incarnation = replica.state.incarnationOf(settings.nodeName());
                }
                legacyVersions = List.of();
                importLegacyHistory();
                ready.countDown();
                LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName() + " is in the cluster log,"
                        + " incarnation " + incarnation);
            }
        });
    }

    /** the history of the pre-log state file goes into the log once; importing it twice adds nothing */
    private void importLegacyHistory() {
        byte[] history = legacyHistory;
        if (history == null) {
            return;
        }
        legacyHistory = null;
        log.append(new ImportHistory(settings.nodeName(), history)).whenComplete((r, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " could not import the adjust"
                        + " history of " + settings.legacyState() + ": " + e);
            }
        });
    }

    private void announceLevels() {
        if (!isSynced() || !log.hasLeader()) {
            return;
        }
        SortedSet<Integer> levels = infra.levels();
        boolean differs = read(s -> s.definedNode(settings.nodeName()).map(n -> !n.levels().equals(levels))
                .orElse(false));
        if (differs && levelsInFlight.compareAndSet(false, true)) {
            log.append(new CapabilityChanged(settings.nodeName(), levels))
                    .whenComplete((r, e) -> levelsInFlight.set(false));
        }
    }

    /** the leader writes its view into the log when it differs from the replicated node statuses */
    private void publishView() {
        View v = view;
        RaftHandle h = raft;
        if (v == null || h == null || !h.isLeader()) {
            return;
        }
        Set<String> uuids = new HashSet<>();
        v.getMembers().forEach(a -> uuids.add(uuidOf(a)));
        long term = h.currentTerm();
        boolean needed = read(s -> s.viewDiffers(uuids) || s.viewTerm() < term);
        if (needed && viewInFlight.compareAndSet(false, true)) {
            log.append(new ViewChanged(term, v.getViewId().getId(), List.copyOf(uuids)))
                    .whenComplete((r, e) -> viewInFlight.set(false));
        }
    }

    // ---- JGroups callbacks ----

    @Override
    public void viewAccepted(View v) {
        view = v;
        if (!adjusts.isEmpty()) {
            Set<String> inView = nodesInView();
            adjusts.values().forEach(w -> w.viewChanged(inView));
        }
        if (connected && !timer.isShutdown()) {
            later(this::publishView);
        }
    }

    /** the unicasts beside the log: confirmations, replies, a joiner's state */
    @Override
    public void receive(Message msg) {
        Envelope e;
        try {
            e = WireFormat.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (IOException | RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "dropped a malformed message of " + msg.getLength() + " bytes from "
                    + msg.getSrc() + ": " + ex.getMessage());
            return;
        }
        if (e instanceof AdjustConfirm c) {
            AdjustWaiter w = adjusts.get(c.requestId());
            if (w != null) {
                w.confirmed(c.node());
            }
        } else if (e instanceof Reply r) {
            messaging.onReply(r);
        } else if (e instanceof GroupState g) {
            stateTransfer.received(g);
        } else if (e instanceof ForceVoters f) {
            forceVoters(f.voters(), f.requestedBy());
        } else {
            LOG.log(System.Logger.Level.WARNING, "dropped a unicast " + e.getClass().getSimpleName() + " from "
                    + msg.getSrc() + ": it belongs in the cluster log");
        }
    }

    private void unicast(String node, Envelope e) {
        JChannel ch = channel;
        if (ch == null || !connected) {
            return;
        }
        addressOf(node).ifPresent(to -> {
            try {
                ch.send(new BytesMessage(to, WireFormat.encode(e)));
            } catch (Exception ex) {
                LOG.log(System.Logger.Level.DEBUG, "could not send " + e.getClass().getSimpleName() + " to " + node
                        + ": " + ex);
            }
        });
    }

    /** under lock or not: reads the state's uuid for the node and finds it in the view */
    private Optional<Address> addressOf(String node) {
        View v = view;
        Optional<String> uuid;
        synchronized (replica) {
            uuid = replica.state.uuidOf(node);
        }
        if (v == null || uuid.isEmpty()) {
            return Optional.empty();
        }
        for (Address a : v.getMembers()) {
            if (uuidOf(a).equals(uuid.get())) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    private static String uuidOf(Address a) {
        return a instanceof UUID u ? u.toStringLong() : a.toString();
    }

    // ---- applying the log (RAFT's applier thread) ----

    /** what the log's applier hands to this node */
    private final class Applied implements LogApplier.Target {
        @Override
        public ClusterState.Result apply(Envelope e, String author, long position) {
            return applyEnvelope(e, author, position);
        }

        @Override
        public void snapshotInstalled() {
            // a member here missed what the snapshot covers: it cannot stay (it would see a gap)
            for (LocalMember lm : locals.all()) {
                if (lm.isJoined()) {
                    locals.drop(lm, Reason.FAILURE, "node " + settings.nodeName() + " caught up from a snapshot;"
                            + " the member missed messages");
                }
            }
        }

        @Override
        public void applied(String author, long session, long number, int index, ClusterState.Result r) {
            LogLink l = log;
            if (l != null) {
                l.applied(author, session, number, index, r);
            }
        }

        @Override
        public void entryApplied() {
            LogLink l = log;
            RaftHandle h = raft;
            if (l != null && h != null && h.isLeader()) {
                l.nudgeCommit(); // the followers learn of the commit at once, not at RAFT's next resend
            }
        }
    }

    /** holding the replica's monitor; returns what applying the envelope did */
    private ClusterState.Result applyEnvelope(Envelope e, String author, long pos) {
        if (e instanceof GroupData d) {
            messaging.onGroupData(d, pos);
            return ClusterState.Result.NOTHING;
        } else if (e instanceof Hello h) {
            return changed(replica.state.hello(h));
        } else if (e instanceof CapabilityChanged c) {
            ClusterState.Result r = changed(replica.state.capabilityChanged(c));
            if (r.accepted()) {
                events.post(ClusterService.TOPIC_CAPABILITY_CHANGED, Map.of("node", c.node(), "levels",
                        c.levels().stream().mapToInt(Integer::intValue).toArray()));
            }
            return r;
        } else if (e instanceof Goodbye g) {
            return changed(replica.state.goodbye(g));
        } else if (e instanceof ViewChanged v) {
            ClusterState.Result r = changed(replica.state.viewChanged(v));
            if (r.accepted() && !adjusts.isEmpty()) {
                Set<String> active = activeNodes();
                adjusts.values().forEach(w -> w.viewChanged(active));
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
        } else if (e instanceof MajorityRecovered m) {
            // the voters follow the entry on every node, also when the log is replayed at a restart
            logVoters.set(m.voters());
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
            m.joined(g.level(), g.epoch());
            if (provider.isEmpty()) {
                m.joinState.complete(null);
            }
            // the member's first delivery: its state, before anything that follows the join
            stateTransfer.restoreOnDeliveryThread(m);
        } else if (isSynced() && j.member().startsWith(settings.nodeName() + "#" + incarnation + ".")) {
            // a join this node gave up on (its caller timed out) was committed after all: undo it
            log.append(new Leave(j.group(), j.member()));
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
        boolean asker = a.requestedBy().equals(settings.nodeName());
        if (r.accepted() && !asker && replica.state.hostsMembers(settings.nodeName(), a.from())) {
            unicast(a.requestedBy(), new AdjustConfirm(a.requestId(), settings.nodeName()));
        }
        AdjustWaiter waiter = adjusts.get(a.requestId());
        if (waiter != null) {
            Map<String, List<String>> byNode = r.accepted() ? replica.state.membersByNode(a.from()) : Map.of();
            waiter.delivered(r, byNode);
            waiter.viewChanged(activeNodes());
            if (byNode.containsKey(settings.nodeName())) {
                waiter.confirmed(settings.nodeName());
            }
        }
        changed(r);
        if (!r.accepted()) {
            LOG.log(System.Logger.Level.INFO, "adjust " + a.requestId() + " from " + a.requestedBy() + " not applied: "
                    + r.refused() + ": " + r.why());
        }
        return r;
    }

    /** tells the local members about an accepted change */
    private ClusterState.Result changed(ClusterState.Result r) {
        if (r.accepted()) {
            for (MembershipChange c : r.changes()) {
                locals.dispatch(c);
            }
        }
        return r;
    }

    static String nodeOfMember(String memberId) {
        int hash = memberId.lastIndexOf('#');
        return hash < 0 ? memberId : memberId.substring(0, hash);
    }
}
