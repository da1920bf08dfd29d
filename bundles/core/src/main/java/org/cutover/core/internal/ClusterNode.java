package org.cutover.core.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.Delivery;
import org.cutover.api.FunctionUnavailableException;
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
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.state.StateStore;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.*;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.UUID;

/**
 * One Cutover node: its JChannel, its replica of the cluster state, and the
 * members that live on it. Every ordered envelope is applied to the state
 * under one lock, in delivery order, and the resulting membership changes and
 * messages are handed to local listeners before the next envelope.
 */
public final class ClusterNode implements ClusterService, GroupService, Receiver, AutoCloseable {

    /** builds the node's channel; the stack comes from a file in Karaf, from code in tests */
    @FunctionalInterface
    public interface ChannelFactory {
        JChannel create() throws Exception;
    }

    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());

    private final NodeSettings settings;
    private final ChannelFactory channelFactory;
    private final InfraLevels infra;
    private final EventSink events;
    private final StateStore store;

    private final Object lock = new Object();
    private ClusterState state = new ClusterState();
    private List<GroupVersion> persistedVersions = List.of();
    private volatile boolean synced;
    private String syncNonce;
    private boolean ownSyncSeen;
    private byte[] pendingSnapshot;
    private record Held(Envelope envelope, Address source) {
    }

    private final List<Held> heldBack = new ArrayList<>();

    private volatile JChannel channel;
    private volatile View view;
    /** opens when this node's first hello is delivered: from then on its joins are ordered after it */
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Map<String, LocalMember> locals = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ClusterState.Result>> pending = new ConcurrentHashMap<>();
    private final Map<String, AdjustWaiter> adjusts = new ConcurrentHashMap<>();
    private final Map<Long, RequestTracker> requests = new ConcurrentHashMap<>();
    private final Map<String, GroupState> earlyStates = new ConcurrentHashMap<>();
    private final AtomicLong memberCounter = new AtomicLong();
    private volatile long incarnation;
    private final AtomicLong deliverySequence = new AtomicLong();
    private final ScheduledExecutorService worker;
    private final Object sendLock = new Object();
    private long sendSeq;
    /** what a member that misses some of this node's broadcasts can have again; 32 MB, thousands of messages */
    private final RecentBroadcasts recent = new RecentBroadcasts(32L << 20);
    private final SenderOrder<Held> senderOrder = new SenderOrder<>();
    /**
     * How long a sender's early message waits for the ones before it when no view change gives the gap up:
     * a safety net only (a gap that a view change made for good is given up by the next ordered ViewChanged);
     * generous, since on a loaded machine a retransmission can take seconds.
     */
    private static final long GAP_WAIT_MILLIS = 5000;
    private static final long HELLO_PERIOD_MILLIS = 5000;

    public ClusterNode(NodeSettings settings, ChannelFactory channelFactory, InfraLevels infra, EventSink events) {
        this.settings = settings;
        this.channelFactory = channelFactory;
        this.infra = infra;
        this.events = events;
        this.store = new StateStore(settings.stateFile());
        // one thread: sends made on behalf of the delivery path keep their order and never block delivery
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-" + settings.nodeName());
            t.setDaemon(true);
            return t;
        });
    }

    // ---- lifecycle ----

    /**
     * Loads the persisted state, connects the channel and starts learning the
     * cluster state. Returns once connected; {@link #awaitSynced} waits for the state.
     *
     * @throws IOException if the persisted state is damaged (the message says what to do)
     */
    public void start() throws Exception {
        Optional<ClusterState> saved = store.load();
        if (saved.isPresent()) {
            ClusterState s = saved.get();
            s.forgetView(settings.nodeName());
            persistedVersions = s.groupVersions();
            incarnation = s.incarnationOf(settings.nodeName());
            state = s;
        }
        infra.onChange(this::capabilityChanged);
        JChannel ch = channelFactory.create();
        ch.setName(settings.nodeName());
        ch.setReceiver(this);
        channel = ch;
        ch.connect(settings.clusterName());
        view = ch.getView();
        if (view.size() == 1) {
            becomeSynced(null);
        } else {
            requestSync();
        }
    }

    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** whether the node has the cluster state and applies the ordered stream */
    public boolean isSynced() {
        return synced;
    }

    /** Leaves the cluster in an orderly way: a Goodbye in the order, then the channel closes. */
    @Override
    public void close() {
        JChannel ch = channel;
        if (ch == null) {
            return;
        }
        try {
            if (isSynced() && ch.isConnected()) {
                CompletableFuture<ClusterState.Result> bye = expect("goodbye/" + settings.nodeName());
                broadcast(new Goodbye(settings.nodeName()));
                bye.get(settings.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName()
                    + " could not say goodbye before closing; the others will see it as PARTITIONED", e);
        } finally {
            ch.close();
            channel = null;
            worker.shutdownNow();
            if (synced) {
                synchronized (lock) {
                    store.save(state);
                }
            }
            locals.values().forEach(LocalMember::left);
            pending.values().forEach(f -> f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED,
                    "node " + settings.nodeName() + " is shutting down")));
        }
    }

    // ---- ClusterService ----

    @Override
    public String localNode() {
        return settings.nodeName();
    }

    @Override
    public List<DefinedNode> definedNodes() {
        return read(ClusterState::definedNodes);
    }

    @Override
    public Optional<DefinedNode> definedNode(String name) {
        return read(s -> s.definedNode(name));
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
        ClusterState.Result r = await(expect("remove/" + name), new RemoveNode(name, settings.nodeName()),
                "removing node " + name);
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
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
        LocalMember member = new LocalMember(this, group, new Member(settings.nodeName(), id), listener);
        locals.put(id, member);
        try {
            ClusterState.Result r = await(expect("join/" + id), new Join(group, id, settings.nodeName()),
                    "joining group " + group);
            if (!r.accepted()) {
                throw new GroupException(r.refused(), r.why());
            }
            if (!member.awaitStateArrival(settings.opTimeout())) {
                LOG.log(System.Logger.Level.WARNING, "member " + id + " of group " + group + " got no state from"
                        + " the other members within " + settings.opTimeout().toSeconds() + " s; it goes on without");
                synchronized (lock) {
                    member.stateArrived();
                }
            }
            return member;
        } catch (RuntimeException e) {
            locals.remove(id);
            earlyStates.remove(id);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while joining group " + group);
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
        await(expect("leave/" + id), new Leave(member.name(), id), "leaving group " + member.name());
    }

    boolean supports(int level, InfraFunction function) {
        return infra.protocol(level).map(p -> p.functions().contains(function)).orElse(false);
    }

    void sendData(LocalMember member, byte[] payload) {
        InfraProtocol p = protocolFor(member);
        broadcast(new GroupData(member.name(), member.self().id(), p.level(), p.encode(member.name(),
                Frame.data(payload))));
    }

    java.util.concurrent.CompletionStage<RequestResult> sendRequest(LocalMember member, byte[] payload,
                                                                     Duration timeout) {
        InfraProtocol p = protocolFor(member);
        if (!p.functions().contains(InfraFunction.REQUEST_ALL)) {
            throw new FunctionUnavailableException(member.name(), InfraFunction.REQUEST_ALL, p.level());
        }
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0 || requests.containsKey(id));
        RequestTracker tracker = new RequestTracker();
        requests.put(id, tracker);
        long requestId = id;
        tracker.future.whenComplete((r, e) -> requests.remove(requestId));
        byte[] frame = p.encode(member.name(), new Frame(Frame.Kind.REQUEST, id, payload));
        worker.schedule(tracker::timeOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
        broadcast(new GroupData(member.name(), member.self().id(), p.level(), frame));
        return tracker.future;
    }

    private InfraProtocol protocolFor(LocalMember member) {
        int level = member.level();
        return infra.protocol(level).orElseThrow(() -> new GroupException(ReasonCode.NODE_INCAPABLE,
                "node " + settings.nodeName() + " no longer runs level " + level + " that group " + member.name()
                        + " uses"));
    }

    /** runs a read of the replicated state under the node's lock */
    public <T> T read(Function<ClusterState, T> query) {
        synchronized (lock) {
            return query.apply(state);
        }
    }

    /** the names of the defined nodes that are in this node's current JGroups view */
    public Set<String> nodesInView() {
        View v = view;
        Set<String> names = new TreeSet<>();
        if (v == null) {
            return names;
        }
        synchronized (lock) {
            for (Address a : v.getMembers()) {
                state.nodeWithUuid(uuidOf(a)).ifPresent(names::add);
            }
        }
        return names;
    }

    public NodeSettings settings() {
        return settings;
    }

    public InfraLevels infra() {
        return infra;
    }

    /** sends an adjust in the order; the waiter follows its delivery and confirmations */
    public void sendAdjust(Adjust adjust, AdjustWaiter waiter) {
        adjusts.put(adjust.requestId(), waiter);
        broadcast(adjust);
    }

    public void finishAdjust(AdjustDone done) {
        adjusts.remove(done.requestId());
        broadcast(done);
    }

    public void requireSynced() {
        try {
            if (!awaitSynced(settings.opTimeout())) {
                throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + settings.nodeName()
                        + " has not learnt the cluster state within " + settings.opTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while waiting for the cluster state");
        }
    }

    // ---- sending ----

    private CompletableFuture<ClusterState.Result> expect(String key) {
        CompletableFuture<ClusterState.Result> f = new CompletableFuture<>();
        pending.put(key, f);
        f.whenComplete((r, e) -> pending.remove(key, f));
        return f;
    }

    private ClusterState.Result await(CompletableFuture<ClusterState.Result> f, Envelope e, String what) {
        broadcast(e);
        try {
            return f.get(settings.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException ex) {
            f.cancel(false);
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " was not delivered in the cluster's order within "
                    + settings.opTimeout().toSeconds() + " s");
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " failed: " + ex.getCause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, what + " was interrupted");
        }
    }

    private void broadcast(Envelope e) {
        send(null, e);
    }

    private void send(Address dest, Envelope e) {
        JChannel ch = channel;
        if (ch == null) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + settings.nodeName() + " is not connected");
        }
        try {
            if (dest != null) {
                ch.send(new BytesMessage(dest, WireFormat.encode(e)));
                return;
            }
            // numbered in send order under one lock, so SenderOrder can restore that order at every node
            synchronized (sendLock) {
                byte[] numbered = WireFormat.encodeNumbered(++sendSeq, e);
                recent.sent(sendSeq, numbered);
                ch.send(new BytesMessage(null, numbered));
            }
        } catch (Exception ex) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, "cannot send on the channel: " + ex.getMessage());
        }
    }

    private void sendLater(Address dest, Envelope e) {
        if (worker.isShutdown()) {
            return; // closing: the channel is gone too
        }
        worker.execute(() -> {
            try {
                send(dest, e);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "could not send " + e.getClass().getSimpleName(), ex);
            }
        });
    }

    private Optional<Address> addressOf(String node) {
        View v = view;
        Optional<String> uuid;
        synchronized (lock) {
            uuid = state.uuidOf(node);
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

    /** computed and numbered under the send lock, so it names exactly the joins and leaves sent before it */
    private void sendHello(boolean first) {
        JChannel ch = channel;
        if (ch == null) {
            return;
        }
        synchronized (sendLock) {
            send(null, hello(first));
        }
    }

    private Hello hello(boolean first) {
        JChannel ch = channel;
        Address self = ch.getAddress();
        Object physical = ch.down(new Event(Event.GET_PHYSICAL_ADDRESS, self));
        Map<String, List<String>> members = new LinkedHashMap<>();
        for (LocalMember m : locals.values()) {
            // a join in flight is ordered before this hello, a leave in flight too: count them as done
            if (!m.isLeaving()) {
                members.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m.self().id());
            }
        }
        List<GroupVersion> versions;
        synchronized (lock) {
            versions = first ? persistedVersions : state.groupVersions();
        }
        return new Hello(settings.nodeName(), uuidOf(self), physical == null ? uuidOf(self) : physical.toString(),
                infra.levels(), members, versions, first, incarnation);
    }

    // ---- learning the state ----

    private void requestSync() {
        String nonce = java.util.UUID.randomUUID().toString();
        synchronized (lock) {
            syncNonce = nonce;
            ownSyncSeen = false;
            pendingSnapshot = null;
        }
        sendLater(null, new SyncRequest(settings.nodeName(), nonce));
        worker.schedule(() -> {
            if (isSynced()) {
                return;
            }
            View v = view;
            if (v != null && v.size() == 1) {
                becomeSynced(null);
            } else {
                LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName()
                        + " got no cluster state in time; asking again");
                requestSync();
            }
        }, settings.syncTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void becomeSynced(byte[] snapshot) {
        synchronized (lock) {
            if (synced) {
                return;
            }
            if (snapshot != null) {
                try {
                    state = StateStore.decode(snapshot);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "damaged state snapshot ignored: " + e.getMessage());
                    return;
                }
            }
            synced = true;
            store.save(state);
            List<Held> replay = new ArrayList<>(heldBack);
            heldBack.clear();
            for (Held h : replay) {
                deliver(h.envelope(), h.source());
            }
        }
        LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName() + " has the cluster state"
                + (snapshot == null ? " (first in its view)" : ""));
        worker.execute(() -> {
            sendHello(true);
            announceView(view);
        });
        // anti-entropy: a hello names this node's members and levels exactly, so an ordered message that a view
        // change lost (a straggler given up) is repaired within this period
        worker.scheduleWithFixedDelay(() -> {
            try {
                sendHello(false);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "periodic hello not sent: " + e.getMessage());
            }
        }, HELLO_PERIOD_MILLIS, HELLO_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    // ---- JGroups callbacks ----

    @Override
    public void viewAccepted(View v) {
        View before = view;
        view = v;
        if (before != null) {
            List<Address> back = new ArrayList<>(v.getMembers());
            back.removeAll(before.getMembers());
            if (!back.isEmpty()) {
                synchronized (lock) {
                    if (senderOrder.anyWaiting()) {
                        LOG.log(System.Logger.Level.INFO, settings.nodeName() + ": " + back + " back in view "
                                + v.getViewId() + "; gaps: " + senderOrder.gaps());
                    }
                    senderOrder.restart(back).forEach(this::inOrder);
                }
            }
        }
        if (!isSynced()) {
            return;
        }
        if (!adjusts.isEmpty()) {
            Set<String> inView = nodesInView();
            adjusts.values().forEach(w -> w.viewChanged(inView));
        }
        worker.execute(() -> {
            announceView(v);
            if (v instanceof MergeView) {
                // each side lost the other's members when it split; saying hello again restores them
                sendHello(false);
            }
        });
        // and once more when the stragglers of the view change are through: a hello names exactly this node's
        // members, so it repairs what a late message of the old view undid
        worker.schedule(() -> {
            if (channel != null && view == v) {
                sendHello(false);
            }
        }, 1500, TimeUnit.MILLISECONDS);
    }

    private void announceView(View v) {
        JChannel ch = channel;
        if (ch == null || v == null || !v.getCoord().equals(ch.getAddress())) {
            return;
        }
        List<String> uuids = new ArrayList<>();
        v.getMembers().forEach(a -> uuids.add(uuidOf(a)));
        send(null, new ViewChanged(v.getViewId().getId(), uuids));
    }

    @Override
    public void receive(Message msg) {
        Envelope e;
        long seq = 0;
        try {
            if (msg.getDest() == null) {
                WireFormat.Numbered n = WireFormat.decodeNumbered(msg.getArray(), msg.getOffset(), msg.getLength());
                seq = n.seq();
                e = n.envelope();
            } else {
                e = WireFormat.decode(msg.getArray(), msg.getOffset(), msg.getLength());
            }
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
            onReply(r);
        } else if (e instanceof Snapshot s) {
            onSnapshot(s);
        } else if (e instanceof GroupState g) {
            onGroupState(g);
        } else if (e instanceof Resend r) {
            resend(r);
        } else if (msg.getDest() == null) {
            synchronized (lock) {
                Held held = new Held(e, msg.getSrc());
                if (e instanceof ViewChanged) {
                    // never held back: it gives up the gaps a view change made for good, at the same point
                    // of the order on every node of the view
                    Set<String> inView = new HashSet<>(((ViewChanged) e).uuids());
                    List<Held> gone = senderOrder.releaseGone(a -> inView.contains(uuidOf(a)));
                    if (!gone.isEmpty()) {
                        LOG.log(System.Logger.Level.INFO, settings.nodeName() + ": view change " + ((ViewChanged) e)
                                .viewId() + " gives up what senders no longer in the view did not deliver here");
                    }
                    gone.forEach(this::inOrder);
                    inOrder(held);
                    senderOrder.deliveredOutOfTurn(msg.getSrc(), seq).forEach(this::inOrder);
                } else {
                    senderOrder.accept(msg.getSrc(), seq, held).forEach(this::inOrder);
                    if (senderOrder.anyWaiting() && !repairScheduled && !worker.isShutdown()) {
                        repairScheduled = true;
                        worker.schedule(this::repairGaps, 1, TimeUnit.MILLISECONDS);
                    }
                }
            }
        } else {
            LOG.log(System.Logger.Level.WARNING, "dropped a unicast " + e.getClass().getSimpleName() + " from "
                    + msg.getSrc() + ": it belongs in the ordered stream");
        }
    }

    private void inOrder(Held h) {
        if (synced) {
            deliver(h.envelope(), h.source());
        } else {
            holdBack(h.envelope(), h.source());
        }
    }

    private boolean repairScheduled;

    /**
     * While a sender's messages wait for earlier ones, asks that sender (if it is in the view) to broadcast the
     * missing ones again: at once, and again every {@value #ASK_AGAIN_MILLIS} ms while the gap is open (asked every
     * 200 ms, a loaded run resent the same 300 messages five times); copies are dropped where they arrived before.
     * A gap that is still open after {@value #GAP_WAIT_MILLIS} ms is given up.
     */
    private void repairGaps() {
        List<SenderOrder.Gap> ask;
        synchronized (lock) {
            repairScheduled = false;
            List<Held> late = senderOrder.releaseWaitingLongerThan(TimeUnit.MILLISECONDS.toNanos(GAP_WAIT_MILLIS));
            if (!late.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, settings.nodeName() + ": gave up a gap in a sender's messages"
                        + " after " + GAP_WAIT_MILLIS + " ms; delivering the " + late.size() + " that waited");
            }
            late.forEach(this::inOrder);
            ask = senderOrder.gaps();
            if (!ask.isEmpty() && !worker.isShutdown()) {
                repairScheduled = true;
                worker.schedule(this::repairGaps, REPAIR_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        View v = view;
        long now = System.nanoTime();
        asked.keySet().retainAll(ask.stream().map(SenderOrder.Gap::sender).toList());
        for (SenderOrder.Gap gap : ask) {
            Long last = asked.get(gap.sender());
            if (last != null && now - last < TimeUnit.MILLISECONDS.toNanos(ASK_AGAIN_MILLIS)) {
                continue; // the copies may still be on their way; asking again would send them all once more
            }
            if (v != null && v.containsMember(gap.sender())) {
                asked.put(gap.sender(), now);
                try {
                    send(gap.sender(), new Resend(gap.from(), gap.to()));
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.DEBUG, "could not ask " + gap.sender() + " to resend: " + ex);
                }
            }
        }
    }

    private static final long REPAIR_PERIOD_MILLIS = 200;
    private static final long ASK_AGAIN_MILLIS = 1000;
    /** when each sender was last asked to resend; touched by the repair task only */
    private final Map<Address, Long> asked = new ConcurrentHashMap<>();
    private static final int MAX_RESEND = 10_000;

    /** broadcasts again, with their first numbers, what a member misses (off the receive thread) */
    private void resend(Resend r) {
        if (r.to() < r.from() || worker.isShutdown()) {
            return;
        }
        worker.execute(() -> {
            JChannel ch = channel;
            List<byte[]> again = recent.range(r.from(), Math.min(r.to(), r.from() + MAX_RESEND - 1));
            LOG.log(System.Logger.Level.INFO, settings.nodeName() + ": broadcasting again " + again.size()
                    + " of its messages " + r.from() + ".." + r.to() + " that a member misses");
            try {
                for (byte[] numbered : again) {
                    ch.send(new BytesMessage(null, numbered));
                }
            } catch (Exception ex) {
                LOG.log(System.Logger.Level.DEBUG, "resend stopped: " + ex);
            }
        });
    }

    private void holdBack(Envelope e, Address source) {
        if (e instanceof SyncRequest s && s.nonce().equals(syncNonce)) {
            // what came before our request is in the snapshot; what comes after is replayed on top of it
            ownSyncSeen = true;
            heldBack.clear();
            tryInstallSnapshot();
        } else {
            heldBack.add(new Held(e, source));
        }
    }

    private void onSnapshot(Snapshot s) {
        synchronized (lock) {
            if (synced || !s.nonce().equals(syncNonce) || pendingSnapshot != null) {
                return;
            }
            pendingSnapshot = s.state();
            tryInstallSnapshot();
        }
    }

    private void tryInstallSnapshot() {
        if (ownSyncSeen && pendingSnapshot != null) {
            byte[] snapshot = pendingSnapshot;
            worker.execute(() -> becomeSynced(snapshot));
        }
    }

    // ---- applying the ordered stream (always under lock) ----

    private void deliver(Envelope e, Address source) {
        long seq = deliverySequence.incrementAndGet();
        if (e instanceof Hello h) {
            changed(state.hello(h));
            if (h.fresh() && h.node().equals(settings.nodeName())) {
                incarnation = state.incarnationOf(settings.nodeName());
                ready.countDown();
            }
        } else if (e instanceof CapabilityChanged c) {
            ClusterState.Result r = changed(state.capabilityChanged(c));
            if (r.accepted()) {
                events.post(ClusterService.TOPIC_CAPABILITY_CHANGED, Map.of("node", c.node(), "levels",
                        c.levels().stream().mapToInt(Integer::intValue).toArray()));
            }
        } else if (e instanceof Goodbye g) {
            complete("goodbye/" + g.node(), changed(state.goodbye(g)));
        } else if (e instanceof ViewChanged v) {
            changed(state.viewChanged(v));
        } else if (e instanceof RemoveNode r) {
            complete("remove/" + r.node(), changed(state.removeNode(r)));
        } else if (e instanceof Join j) {
            ClusterState.Result r = state.join(j);
            LocalMember m = locals.get(j.member());
            if (r.accepted()) {
                GroupInfo g = state.group(j.group()).orElseThrow();
                Optional<Member> provider = g.members().stream().filter(x -> !x.id().equals(j.member())).findFirst();
                if (m != null) {
                    m.joined(g.level(), g.epoch());
                    if (provider.isPresent()) {
                        m.awaitState();
                        GroupState early = earlyStates.remove(j.member());
                        if (early != null) {
                            onGroupState(early);
                        }
                    } else {
                        m.stateArrived();
                    }
                }
                provider.ifPresent(p -> provideState(p, j));
            }
            complete("join/" + j.member(), changed(r));
        } else if (e instanceof Leave l) {
            complete("leave/" + l.member(), changed(state.leave(l)));
        } else if (e instanceof Adjust a) {
            applyAdjust(a);
        } else if (e instanceof AdjustDone d) {
            state.adjustDone(d);
            saveSoon();
        } else if (e instanceof GroupData d) {
            onGroupData(d, seq);
        } else if (e instanceof SyncRequest s) {
            // the joiner has not said hello yet, so it is reached through the message's source
            if (!s.node().equals(settings.nodeName()) && source != null) {
                sendLater(source, new Snapshot(s.nonce(), StateStore.encode(state)));
            }
        } else {
            LOG.log(System.Logger.Level.WARNING, "unexpected ordered " + e.getClass().getSimpleName());
        }
    }

    /**
     * The first other member, in id order, gives the joiner its state as of the
     * join's position; every node computes the same provider.
     */
    private void provideState(Member provider, Join j) {
        LocalMember p = locals.get(provider.id());
        if (p == null) {
            return;
        }
        byte[] snapshot = null;
        try {
            snapshot = p.listener.stateForJoiner();
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + p + " failed to give state to " + j.member(), ex);
        }
        GroupState state = new GroupState(j.group(), j.member(), snapshot);
        if (j.node().equals(settings.nodeName())) {
            onGroupState(state);
        } else {
            addressOf(j.node()).ifPresent(to -> sendLater(to, state));
        }
    }

    private void onGroupState(GroupState g) {
        synchronized (lock) {
            LocalMember joiner = locals.get(g.joiner());
            if (joiner != null && !joiner.isJoined()) {
                // the provider delivered the join before this node did: keep the state until it does
                earlyStates.put(g.joiner(), g);
                return;
            }
            if (joiner == null || !joiner.awaitingState()) {
                return;
            }
            if (g.state() != null) {
                try {
                    joiner.listener.restoreState(g.state());
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "listener of " + joiner + " failed to restore its state", ex);
                }
            }
            joiner.stateArrived();
        }
    }

    private void applyAdjust(Adjust a) {
        if (state.applied(a.requestId())) {
            // a copy that came through a view change: applied once, and the asking node already knows
            LOG.log(System.Logger.Level.INFO, "ignored a second delivery of adjust " + a.requestId());
            AdjustWaiter w = adjusts.get(a.requestId());
            if (w != null) {
                w.delivered(state.adjust(a), Map.of()); // a refusal; a waiter that saw the first keeps it
            }
            return;
        }
        ClusterState.Result r = changed(state.adjust(a), true);
        Set<String> names = new HashSet<>();
        a.from().forEach(v -> names.add(v.group()));
        Map<String, List<String>> byNode = state.membersByNode(names);
        AdjustWaiter waiter = adjusts.get(a.requestId());
        if (waiter != null) {
            waiter.delivered(r, r.accepted() ? byNode : Map.of());
            waiter.viewChanged(nodesInView()); // a node that vanished before the adjust was delivered
        }
        List<String> mine = byNode.get(settings.nodeName());
        if (r.accepted() && mine != null) {
            addressOf(a.requestedBy()).ifPresent(to -> sendLater(to,
                    new AdjustConfirm(a.requestId(), settings.nodeName(), mine, true)));
        }
        if (!r.accepted()) {
            LOG.log(System.Logger.Level.INFO, "adjust " + a.requestId() + " from " + a.requestedBy() + " not applied: "
                    + r.refused() + ": " + r.why());
        }
    }

    private void complete(String key, ClusterState.Result r) {
        CompletableFuture<ClusterState.Result> f = pending.get(key);
        if (f != null) {
            f.complete(r);
        }
    }

    /** persists an accepted change (soon) and tells the local members about it */
    private ClusterState.Result changed(ClusterState.Result r) {
        return changed(r, false);
    }

    /**
     * @param durable save before the members hear of it (a level switch: a restart must not go back);
     *                other changes are saved within {@value #SAVE_DELAY_MILLIS} ms, many in one write
     */
    private ClusterState.Result changed(ClusterState.Result r, boolean durable) {
        if (!r.accepted()) {
            return r;
        }
        if (durable) {
            store.saveLevels(state.groupVersions());
        }
        saveSoon();
        for (MembershipChange c : r.changes()) {
            dispatch(c);
        }
        return r;
    }

    private void dispatch(MembershipChange c) {
        List<LocalMember> targets = new ArrayList<>();
        state.group(c.group()).ifPresent(g -> g.members().forEach(m -> {
            LocalMember lm = locals.get(m.id());
            if (lm != null && lm.isJoined()) {
                targets.add(lm);
            }
        }));
        boolean removal = c.reason() == Reason.LEAVE || c.reason() == Reason.FAILURE
                || c.reason() == Reason.NODE_INCAPABLE;
        if (removal) {
            for (Member m : c.members()) {
                LocalMember lm = locals.remove(m.id());
                if (lm != null) {
                    lm.left();
                    targets.add(lm);
                    if (c.reason() == Reason.NODE_INCAPABLE) {
                        LOG.log(System.Logger.Level.WARNING, "member " + m + " left group " + c.group()
                                + ": node " + settings.nodeName() + " cannot run its level " + c.toLevel());
                    }
                }
            }
        }
        if (c.reason() == Reason.ADJUST_VERSION) {
            targets.forEach(lm -> lm.switched(c.toLevel(), c.epoch()));
            events.post(VersionService.TOPIC_VERSION_ADJUSTED, Map.of("group", c.group(), "from", c.fromLevel(),
                    "to", c.toLevel(), "epoch", c.epoch(), "requestedBy", c.requestedBy(),
                    "node", settings.nodeName()));
        }
        for (LocalMember lm : targets) {
            notify(lm, c);
        }
    }

    private void notify(LocalMember lm, MembershipChange c) {
        lm.deliver(() -> {
            try {
                lm.listener.onMembershipChange(c);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "listener of " + lm + " failed on " + c, ex);
            }
        });
    }

    /** on the data path: the few local members, not a copy of the group's state */
    private List<LocalMember> localMembersOf(String group) {
        List<LocalMember> list = new ArrayList<>(2);
        for (LocalMember lm : locals.values()) {
            if (lm.isJoined() && lm.name().equals(group)) {
                list.add(lm);
            }
        }
        return list;
    }

    private static final long SAVE_DELAY_MILLIS = 50;
    private boolean saveDirty;

    private void saveSoon() {
        if (saveDirty) {
            return;
        }
        saveDirty = true;
        if (!worker.isShutdown()) {
            worker.schedule(() -> {
                byte[] bytes;
                synchronized (lock) {
                    if (!saveDirty) {
                        return;
                    }
                    saveDirty = false;
                    bytes = StateStore.encode(state);
                }
                store.write(bytes);
            }, SAVE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void onGroupData(GroupData d, long seq) {
        Optional<InfraProtocol> protocol = infra.protocol(d.level());
        List<LocalMember> targets = localMembersOf(d.group());
        RequestTracker tracker = null;
        Frame frame;
        if (protocol.isEmpty()) {
            // the level was uninstalled here before the ordered CapabilityChanged said so: a member that skipped
            // this message and stayed would see a gap, so it leaves at this point of the stream instead
            for (LocalMember lm : targets) {
                LOG.log(System.Logger.Level.WARNING, "member " + lm.self() + " leaves group " + d.group() + ": node "
                        + settings.nodeName() + " cannot decode a level " + d.level() + " message (no infrastructure"
                        + " bundle runs that level)");
                locals.remove(lm.self().id());
                lm.left();
                GroupInfo g = state.group(d.group()).orElse(null);
                notify(lm, new MembershipChange(Reason.NODE_INCAPABLE, d.group(), List.of(lm.self()), d.level(),
                        d.level(), g == null ? 0 : g.epoch(), settings.nodeName()));
                sendLater(null, new Leave(d.group(), lm.self().id()));
            }
            return;
        }
        try {
            frame = protocol.get().decode(d.group(), d.frame());
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "dropped an undecodable level " + d.level() + " message of group "
                    + d.group() + " from " + d.member() + ": " + ex.getMessage());
            return;
        }
        Member sender = new Member(nodeOfMember(d.member()), d.member());
        Delivery delivery = new Delivery(d.group(), sender, d.level(), seq, frame.payload());
        switch (frame.kind()) {
            case DATA -> targets.forEach(lm -> lm.deliver(() -> {
                try {
                    lm.listener.onMessage(delivery);
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "listener of " + lm + " failed on a message", ex);
                }
            }));
            case REQUEST -> {
                if (sender.node().equals(settings.nodeName())) {
                    tracker = requests.get(frame.requestId());
                    if (tracker != null) {
                        tracker.expect(state.group(d.group()).map(GroupInfo::members).orElse(List.of()));
                    }
                }
                Optional<Address> requester = addressOf(sender.node());
                boolean local = tracker != null;
                for (LocalMember lm : targets) {
                    lm.deliver(() -> answer(lm, d, delivery, frame, protocol.get(), local, requester));
                }
            }
            case REPLY -> LOG.log(System.Logger.Level.WARNING, "a REPLY frame arrived in the ordered stream; dropped");
        }
    }

    private void answer(LocalMember lm, GroupData d, Delivery request, Frame frame, InfraProtocol protocol,
                        boolean local, Optional<Address> requester) {
        byte[] answer;
        try {
            answer = lm.listener.onRequest(request);
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + lm + " failed on a request", ex);
            return;
        }
        byte[] reply = protocol.encode(d.group(), new Frame(Frame.Kind.REPLY, frame.requestId(),
                answer == null ? new byte[0] : answer));
        Reply r = new Reply(d.group(), lm.self().id(), d.level(), reply);
        if (local) {
            onReply(r);
        } else {
            requester.ifPresent(to -> sendLater(to, r));
        }
    }

    private void onReply(Reply r) {
        Optional<InfraProtocol> protocol = infra.protocol(r.level());
        if (protocol.isEmpty()) {
            return;
        }
        try {
            Frame f = protocol.get().decode(r.group(), r.frame());
            RequestTracker tracker = requests.get(f.requestId());
            if (tracker != null && f.kind() == Frame.Kind.REPLY) {
                tracker.reply(new Member(nodeOfMember(r.member()), r.member()), f.payload());
            }
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "dropped an undecodable reply from " + r.member() + ": "
                    + ex.getMessage());
        }
    }

    private void capabilityChanged(SortedSet<Integer> levels) {
        if (isSynced() && channel != null) {
            sendLater(null, new CapabilityChanged(settings.nodeName(), levels));
        }
    }

    static String nodeOfMember(String memberId) {
        int hash = memberId.lastIndexOf('#');
        return hash < 0 ? memberId : memberId.substring(0, hash);
    }
}
