package org.cutover.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.state.StateStore;
import org.cutover.core.internal.tls.NodeTls;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
import org.cutover.core.internal.wire.Envelope.*;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.Role;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.util.Utils;
import org.jgroups.util.ExtendedUUID;

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

    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());
    /** how often the node re-checks what it must tell the log (its hello, its levels, the leader's view) */
    private static final long TICK_MILLIS = 250;

    private final NodeSettings settings;
    private final NodeTls tls;
    private final ChannelFactory channelFactory;
    private final InfraLevels infra;

    private final Replica replica = new Replica();

    private volatile JChannel channel;
    private volatile RaftHandle raft;
    private volatile LogLink log;
    /** checks entry signatures as they arrive, ahead of the applier; null with a stack of plain RAFT */
    private volatile EntryPrecheck precheck;
    private volatile LogLossCheck logLoss;
    private volatile LogVoters logVoters;
    private volatile Announcements announcements;
    private volatile View view;
    private volatile boolean connected;
    /** set once the node's replica stopped following the log: see {@link #stopFollowing} */
    private volatile String stoppedBecause;
    private final Incarnation incarnation;
    private final CallerAppends callers;
    private final LocalMembers locals;
    private final OwedLeaves owedLeaves;
    private final GroupMessaging messaging;
    private final StateTransfer stateTransfer;
    private final PendingAdjusts adjusts;
    private final LogMembership membership;
    private final DirectMessages direct;
    private final EnvelopeApplier applier;
    private final ScheduledExecutorService timer;
    /** runs the local members' deliveries ({@link MemberQueue}) */
    private final DeliveryScheduler deliveries;
    /** told on the log's applier thread after an entry that may let the groups' levels rise; must not block */
    private final java.util.List<Runnable> levelWatchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** installs what a level this node lacks needs (the upgrader's LevelHealer): null once it runs it, else why not */
    private volatile java.util.function.IntFunction<String> levelHealer;

    /**
     * @param tls the node's certificate: its key signs the node's log entries, whether or not the transport runs
     *            TLS with it (the channel factory's choice)
     */
    public ClusterNode(NodeSettings settings, NodeTls tls, ChannelFactory channelFactory, InfraLevels infra,
                       EventSink events) {
        this.settings = settings;
        this.tls = tls;
        this.channelFactory = channelFactory;
        this.infra = infra;
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
        this.incarnation = new Incarnation(settings.nodeName());
        this.callers = new CallerAppends(settings.opTimeout(), () -> log, () -> connected, this::viewHoldsMajority);
        this.owedLeaves = new OwedLeaves(leave -> {
            LogLink l = log;
            return connected && l != null ? l.append(leave) : CompletableFuture.failedFuture(
                    new GroupException(ReasonCode.NOT_CONNECTED, "node " + settings.nodeName() + " is not connected"));
        }, this::stillListed, () -> channel != null, timer);
        EventSink guarded = new GuardedEvents(settings.nodeName(), events);
        this.locals = new LocalMembers(settings.nodeName(), replica, guarded, deliveries, owedLeaves::owe);
        this.messaging = new GroupMessaging(settings.nodeName(), infra, replica, locals, callers::append,
                callers::appendStreamed, this::unicast, timer);
        this.stateTransfer = new StateTransfer(settings.nodeName(), locals, this::unicast, settings.opTimeout());
        this.adjusts = new PendingAdjusts(callers::append, () -> log);
        this.membership = new LogMembership(settings, replica, () -> channel, () -> raft, () -> view, () -> log,
                () -> logVoters, this::nodesInView, this::viewHoldsMajority, this::definedNode, this::requireSynced,
                callers);
        this.direct = new DirectMessages(settings.nodeName(), tls::sign, tls.macs(), () -> pendingIdentity().chain(),
                () -> channel, () -> connected, () -> view, replica, adjusts, messaging,
                stateTransfer, membership);
        this.applier = new EnvelopeApplier(settings.nodeName(), replica, guarded, locals, messaging, stateTransfer,
                adjusts, direct::unicast, () -> log, () -> raft, () -> logVoters, incarnation::made,
                owedLeaves::owe, () -> levelWatchers.forEach(Runnable::run), tls::revoked, this::stopFollowing);
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
        List<GroupVersion> legacyVersions = List.of();
        byte[] legacyHistory = null;
        if (newLog && Files.exists(settings.legacyState())) {
            // a node of the pre-log kind: its levels and epochs go into the log with its first hello
            Optional<ClusterState> old = new StateStore(settings.legacyState()).load();
            legacyVersions = old.map(ClusterState::groupVersions).orElse(List.of());
            legacyHistory = old.map(ClusterState::historyBytes).orElse(null);
            LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName() + " imports the levels of "
                    + settings.legacyState() + ": " + legacyVersions);
        }
        JoinRetry retry = new JoinRetry(settings.opTimeout(), System.nanoTime());
        JChannel ch;
        while (true) {
            ch = build(lost, legacyVersions, legacyHistory);
            try {
                ch.connect(settings.clusterName());
                break;
            } catch (SecurityException e) {
                // raft.NO_DUPES (JoinRetry): the view still holds this node, its previous run or this one. The
                // failed connect stopped the stack (RAFT closed its log) after RAFT had replayed the log into the
                // replica: everything is built afresh for the next try.
                String why = e.getMessage(); // null from a refusal without a reason: not retried
                log.close();
                ch.close();
                replica.reset();
                if (!retry.again(why, System.nanoTime())) {
                    throw e;
                }
                LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName() + ": the view still holds this"
                        + " node (its previous run, or this one's first join); joining again once it is excluded ("
                        + why + ")");
                Thread.sleep(500);
            }
        }
        view = ch.getView();
        connected = true;
        infra.onChange(levels -> later(announcements::announceLevels));
        timer.scheduleWithFixedDelay(announcements::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        LeaderWatch watch = LeaderWatch.of(ch, raft);
        timer.scheduleWithFixedDelay(() -> watch.tick(System.nanoTime() / 1_000_000, coordinatesMajority()), 0,
                TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** what this node's next entry must say about it: nothing once the cluster state holds its identity */
    LogBatch.Identity pendingIdentity() {
        LogBatch.Identity mine = tls.identity();
        synchronized (replica) {
            return replica.keys.holds(settings.nodeName(), mine) ? LogBatch.Identity.NONE : mine;
        }
    }

    /** the channel with this node's RAFT, and the collaborators that use it; not yet connected */
    private JChannel build(Optional<String> lost, List<GroupVersion> legacyVersions, byte[] legacyHistory)
            throws Exception {
        JGroupsLogging.install();
        JChannel ch = channelFactory.create();
        ch.setName(settings.nodeName());
        RAFT protocol = RaftSetup.configure(ch, settings, lost);
        LogCompaction compaction = new LogCompaction(protocol, settings.logCompactBytes());
        protocol.logPrefix(settings.nodeName());
        RaftHandle handle = new RaftHandle(ch, new LogApplier(replica, applier, tls.known()));
        if (protocol.getClass().getName().equals(RaftSetup.CHECKED_RAFT)) {
            precheck = new EntryPrecheck(settings.nodeName(), replica, tls.known());
            protocol.setValue("entry_arrivals", precheck);
            protocol.setValue("checkpoint_entries", settings.logCheckpointEntries());
        }
        raft = handle;
        logVoters = new LogVoters(ch, handle, settings.opTimeout());
        log = new LogLink(handle, settings.nodeName(), settings.opTimeout(), () -> {
            synchronized (replica) {
                return replica.authors.sessionOf(settings.nodeName());
            }
        }, tls::signEntry, this::pendingIdentity, settings.logBatchGap());
        announcements = new Announcements(settings, replica, infra, () -> channel, handle, log, compaction,
                () -> view, incarnation, legacyVersions, legacyHistory, () -> !pendingIdentity().isEmpty());
        handle.addRoleListener(role -> {
            if (role == Role.Leader) {
                later(announcements::publishView);
            }
        });
        ch.setReceiver(this);
        channel = ch;
        return ch;
    }

    /** on the node's timer thread; nothing once the node is closing (it has nothing more to tell the log) */
    private void later(Runnable task) {
        try {
            timer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed
        }
    }

    /** a checkpoint of the replica (CheckedRAFT's, beside the log in its folder) is not a log */
    private static boolean isEmptyDir(java.nio.file.Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .allMatch(f -> f.endsWith(".checkpoint") || f.endsWith(".checkpoint.tmp"));
        }
    }

    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return incarnation.awaitSynced(timeout);
    }

    /** whether this node's hello is committed: it is part of the cluster and applies the log */
    public boolean isSynced() {
        return incarnation.isSynced();
    }

    /** whether the replicated state still lists the member of {@code leave} in its group */
    private boolean stillListed(Envelope.Leave leave) {
        synchronized (replica) {
            return replica.state.group(leave.group()).map(g -> g.members().stream()
                    .anyMatch(m -> m.id().equals(leave.member()))).orElse(false);
        }
    }

    /** Leaves the cluster in an orderly way: a Goodbye in the log, then the channel closes. */
    @Override
    public void close() {
        close(true);
    }

    /**
     * This node's replica stopped following the log (an Error inside an entry, {@link LogApplier}): the node
     * closes without a goodbye, which it could not apply, on a thread of its own (this is RAFT's). The others see
     * it as PARTITIONED until it is restarted and has replayed its log.
     */
    private void stopFollowing(String why) {
        stoppedBecause = why;
        Thread t = new Thread(() -> close(false), "cutover-stop-" + settings.nodeName());
        t.setDaemon(true);
        t.start();
    }

    @Override
    public Optional<String> stoppedBecause() {
        return Optional.ofNullable(stoppedBecause);
    }

    private void close(boolean goodbye) {
        JChannel ch = channel;
        if (ch == null) {
            return;
        }
        try {
            if (goodbye && isSynced() && ch.isConnected() && log.hasLeader()) {
                log.append(new Goodbye(settings.nodeName())).get(settings.opTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName()
                    + " could not say goodbye before closing; the others will see it as PARTITIONED: " + e);
        } finally {
            timer.shutdownNow();
            log.close();
            if (precheck != null) {
                precheck.close();
            }
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
        membership.removeNode(Names.requirePrintable("the node name", name));
    }

    @Override
    public List<String> voters() {
        return membership.voters();
    }

    @Override
    public boolean addNode(String name) {
        return membership.addNode(Names.requirePrintable("the node name", name));
    }

    @Override
    public List<String> recoverMajority() {
        return membership.recoverMajority();
    }

    @Override
    public void hold(boolean held, List<String> groups) {
        groups.forEach(g -> Names.requirePrintable("the group name", g));
        Envelope.Asker asker = CallingUser.current();
        requireSynced();
        ClusterState.Result r = callers.appendAndWait(new Envelope.Hold(groups, held, settings.nodeName(),
                System.currentTimeMillis(), asker), held ? "holding groups" : "releasing groups");
        if (!r.accepted()) {
            throw new org.cutover.api.GroupException(r.refused(), r.why());
        }
    }

    /**
     * Appends a cluster operation of this node's (an upgrade's start, a progress report, an abort) and returns once
     * it is applied here, with what applying it did.
     */
    public ClusterState.Result appendOperation(Envelope e, String what) {
        requireSynced();
        return callers.appendAndWait(e, what);
    }

    @Override
    public Map<String, List<String>> acl() {
        return membership.acl();
    }

    @Override
    public void setAcl(String operation, List<String> roles) {
        Names.requirePrintable("the operation", operation);
        roles.forEach(r -> Names.requirePrintable("a role", r));
        membership.setAcl(operation, roles);
    }

    @Override
    public String revokeCertificate(String node) {
        Names.requirePrintable("the node name", node);
        return membership.revokeCertificate(node);
    }

    @Override
    public Map<String, String> revokedCertificates() {
        return replica.read(ClusterState::revoked);
    }

    // ---- GroupService ----

    @Override
    public org.cutover.api.Group join(String group, GroupListener listener) {
        if (group == null || group.isBlank() || group.length() > 200) {
            throw new IllegalArgumentException("a group name must be 1 to 200 characters, not blank");
        }
        Names.requirePrintable("the group name", group);
        requireSynced();
        healFor(group);
        String id = incarnation.newMemberId();
        LocalMember member = new LocalMember(this, group, new Member(settings.nodeName(), id), listener,
                deliveries);
        locals.add(member);
        try {
            ClusterState.Result r = callers.appendAndWait(new Join(group, id, settings.nodeName()), "joining group "
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
            undoJoin(member);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            undoJoin(member);
            throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while joining group " + group);
        }
    }

    private void leaveQuietly(LocalMember member) {
        try {
            leave(member);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not undo the join of " + member + " yet: " + e.getMessage()
                    + "; its leave is appended again until the log has it");
        }
    }

    /**
     * A failed join is out locally, and if its join was committed (or is, later) its leave is owed to the log: a
     * member in the state that no node runs is asked for every later joiner's state in vain. A join committed
     * after this is undone where it is applied (EnvelopeApplier).
     */
    private void undoJoin(LocalMember member) {
        locals.remove(member.self().id());
        member.left();
        owedLeaves.owe(new Leave(member.name(), member.self().id()));
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
        callers.appendAndWait(new Leave(member.name(), id), "leaving group " + member.name());
    }

    boolean supports(int level, InfraFunction function) {
        return infra.protocol(level).map(p -> p.functions().contains(function)).orElse(false);
    }

    boolean supports(int level, String extension) {
        return infra.protocol(level).map(p -> p.extensions().contains(extension)).orElse(false);
    }

    /** as {@link #sendData}, for a frame of a function the member's level brings */
    void sendExtension(LocalMember member, String extension, byte[] argument) {
        long start = System.nanoTime();
        callers.await(messaging.sendExtension(member, extension, argument), "sending to group " + member.name(),
                start);
    }

    /** returns once the message is committed in the log and applied here (not yet delivered to the listeners) */
    void sendData(LocalMember member, byte[] payload) {
        long start = System.nanoTime();
        callers.await(messaging.send(member, payload, true), "sending to group " + member.name(), start);
    }

    CompletableFuture<Void> sendDataAsync(LocalMember member, byte[] payload) {
        return messaging.send(member, payload, false);
    }

    CompletionStage<RequestResult> sendRequest(LocalMember member, byte[] payload, Duration timeout) {
        return messaging.request(member, payload, timeout);
    }

    /** the CAs this node trusts now (its certificate's authorities): a KAR must be signed by one of them */
    public List<java.security.cert.X509Certificate> trustedAuthorities() {
        return tls.certificate().authorities();
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
                replica.state.nodeWithUuid(DirectMessages.uuidOf(a)).ifPresent(names::add);
            }
        }
        return names;
    }

    /** whether this node sees a leader of the cluster log, i.e. is in the primary component */
    public boolean hasLeader() {
        LogLink l = log;
        return l != null && l.hasLeader();
    }

    /** whether this node leads the cluster log now */
    public boolean isLeader() {
        RaftHandle h = raft;
        return h != null && h.isLeader();
    }

    /**
     * {@code watcher} runs on the log's applier thread after each entry that may let a group's level rise (a
     * node's levels, a node's status, a hold, the defined nodes) or move a cluster-wide upgrade on: it must hand its
     * work off, not do it there.
     */
    /** who heals a level this node lacks before one of its members joins a group at that level (null: nobody) */
    public void healLevelsWith(java.util.function.IntFunction<String> healer) {
        levelHealer = healer;
    }

    /** a group at a level the log does not have for this node: heal first, or refuse the join saying why */
    private void healFor(String group) {
        java.util.function.IntFunction<String> healer = levelHealer;
        if (healer == null) {
            return;
        }
        int level = read(s -> s.group(group).map(GroupInfo::level).orElse(0));
        boolean lacking = level > 0 && !read(s -> s.definedNode(settings.nodeName()))
                .map(n -> n.levels().contains(level)).orElse(false);
        if (lacking) {
            String why = healer.apply(level);
            if (why != null) {
                throw new GroupException(ReasonCode.NODE_INCAPABLE, "member of group " + group + " (level " + level
                        + ") not admitted: " + why);
            }
        }
    }

    public void watchLevels(Runnable watcher) {
        levelWatchers.add(watcher);
    }

    public void unwatchLevels(Runnable watcher) {
        levelWatchers.remove(watcher);
    }

    /** the cluster log's leader as this node knows it, if any */
    public Optional<String> leaderName() {
        RaftHandle h = raft;
        Address leader = h == null ? null : h.leader();
        return leader == null ? Optional.empty()
                : Optional.ofNullable(org.jgroups.raft.util.Utils.extractRaftId(leader));
    }

    /**
     * The group's messages in the log so far as applied on this node, and their bytes (the frame each carries,
     * as its level encodes it): {messages, bytes}. Every node counts the same.
     */
    public long[] groupTraffic(String group) {
        return messaging.traffic(group);
    }

    @Override
    public org.cutover.api.LogStatus logStatus() {
        return new org.cutover.api.LogStatus(hasLeader(), leaderName().orElse(""), commitIndex(), appliedIndex());
    }

    /** this node's commit index in the cluster log (0 before it has one) */
    public long commitIndex() {
        RaftHandle h = raft;
        return h == null ? 0 : h.commitIndex();
    }

    /** the last log index this node has applied */
    public long appliedIndex() {
        RaftHandle h = raft;
        return h == null ? 0 : h.lastApplied();
    }

    public NodeSettings settings() {
        return settings;
    }

    public InfraLevels infra() {
        return infra;
    }

    /** appends an adjust to the log; the waiter follows its application and the confirmations */
    public void sendAdjust(Adjust adjust, AdjustWaiter waiter) {
        adjusts.send(adjust, waiter);
    }

    /** records how the adjust ended in the replicated history; off the caller's path */
    public void finishAdjust(AdjustDone done) {
        adjusts.finish(done);
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
     * whether this node's view holds a majority of the log's voters, i.e. whether an election can succeed here.
     * Counted by the log ids the members' addresses carry, as ELECTION2 counts: the names the log maps to
     * addresses ({@link #nodesInView()}) are empty in a new cluster until a leader commits them, and a view
     * coordinator that waited for them never started the first vote when ELECTION2's pre-vote lost an answer
     * (GroupOrderingTest, once in CI: 60 s at term 0 on every node).
     */
    private boolean viewHoldsMajority() {
        LogVoters v = logVoters;
        View current = view;
        if (v == null || current == null) {
            return false;
        }
        Set<String> ids = new TreeSet<>();
        for (Address a : current.getMembersRaw()) {
            String id = a instanceof ExtendedUUID ? Utils.extractRaftId(a) : null;
            if (id != null) {
                ids.add(id);
            }
        }
        return v.majorityAmong(ids);
    }

    /** whether this node coordinates a view that holds a majority of the voters: ELECTION2 votes only from there */
    private boolean coordinatesMajority() {
        View v = view;
        JChannel ch = channel;
        return v != null && ch != null && v.getCoord().equals(ch.getAddress()) && viewHoldsMajority();
    }

    // ---- JGroups callbacks ----

    @Override
    public void viewAccepted(View v) {
        view = v;
        adjusts.nodesChanged(this::nodesInView);
        if (connected && !timer.isShutdown()) {
            later(announcements::publishView);
        }
    }

    /** the unicasts beside the log: confirmations, replies, a joiner's state */
    @Override
    public void receive(Message msg) {
        direct.receive(msg);
    }

    /** for the collaborators made before {@link #direct} */
    private void unicast(String node, Envelope e) {
        direct.unicast(node, e);
    }
}
