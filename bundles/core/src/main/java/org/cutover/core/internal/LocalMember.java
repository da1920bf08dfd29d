package org.cutover.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupListener;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;

/**
 * A member on this node: the {@link Group} handle an application holds, and
 * its own ordered delivery ({@link MemberQueue}). The log's applier only
 * queues work here; the listener is called from the node's delivery pool, one
 * call at a time per member, so a slow listener holds up only its own member, and a listener may send from its callback (the send waits for
 * the log, never for this member's own deliveries).
 */
final class LocalMember implements Group {
    private final ClusterNode node;
    private final String group;
    private final Member self;
    final GroupListener listener;
    private volatile int level;
    private volatile long epoch;
    private volatile boolean joined;
    private volatile boolean leaving;
    /** its listener threw: the member left at that delivery, and what was queued behind it is not its to see */
    private volatile boolean listenerThrew;
    /** the state an existing member gave at the join's position; completes with null when none is needed */
    final CompletableFuture<byte[]> joinState = new CompletableFuture<>();
    /** the node whose member gives this joiner its state (set when the join is applied): no other's is taken */
    private String stateProvider;
    /** states that came before this node applied the join, by the node that sent them */
    private final java.util.Map<String, byte[]> earlyStates = new java.util.HashMap<>();
    /** done when the member may see its first message: state restored (or not needed), or failed */
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final MemberQueue deliveries;

    LocalMember(ClusterNode node, String group, Member self, GroupListener listener, DeliveryScheduler deliveries) {
        this.node = node;
        this.group = group;
        this.self = self;
        this.listener = listener;
        // unbounded on purpose: the applier must never block on a member; a member that cannot keep up
        // grows its own queue, not the cluster's
        this.deliveries = new MemberQueue(deliveries, "cutover-member-" + self.id() + "@" + group);
    }

    /**
     * runs the task in this member's order, after everything queued before it; nothing once the member has
     * left (what comes after its leave is not its to see)
     */
    void deliver(Runnable task) {
        deliveries.execute(task);
    }

    /**
     * Where this member's sendAsync stages complete: in its delivery order, after the deliveries queued before,
     * so what is chained to one may send and wait for the commit, as a listener may (and must not wait for a later
     * stage of this member, which comes after it). Once the member has left, on the common pool: no order is left.
     */
    final Executor completions = task -> {
        if (!queue().execute(task)) {
            ForkJoinPool.commonPool().execute(task);
        }
    };

    /** its queue, for {@link LocalMembers}, which queues to many members at once */
    MemberQueue queue() {
        return deliveries;
    }

    /** its join is applied (by {@link LocalMembers#joined}) */
    void joined(int level, long epoch) {
        this.level = level;
        this.epoch = epoch;
        this.joined = true;
    }

    void switched(int level, long epoch) {
        this.level = level;
        this.epoch = epoch;
    }

    /** the member is out of the group: the deliveries queued so far still run, nothing after them */
    void left() {
        joined = false;
        leaving = true;
        ready.completeExceptionally(new GroupException(ReasonCode.UNKNOWN_GROUP, self + " left group " + group
                + " before it was ready"));
        deliveries.close();
    }

    void leaving() {
        leaving = true;
    }

    /** on the member's delivery thread */
    void listenerThrew() {
        listenerThrew = true;
    }

    boolean hasListenerThrown() {
        return listenerThrew;
    }

    boolean isLeaving() {
        return leaving;
    }

    boolean isJoined() {
        return joined;
    }

    @Override
    public String name() {
        return group;
    }

    @Override
    public Member self() {
        return self;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public List<Member> members() {
        return node.group(group).map(g -> g.members()).orElse(List.of());
    }

    @Override
    public boolean supports(InfraFunction function) {
        return node.supports(level, function);
    }

    @Override
    public boolean supports(String extension) {
        return node.supports(level, extension);
    }

    @Override
    public void sendExtension(String extension, byte[] argument) {
        requireJoined();
        node.sendExtension(this, extension, argument);
    }

    @Override
    public void send(byte[] payload) {
        requireJoined();
        node.sendData(this, payload);
    }

    @Override
    public CompletionStage<Void> sendAsync(byte[] payload) {
        requireJoined();
        return node.sendDataAsync(this, payload);
    }

    @Override
    public CompletionStage<RequestResult> request(byte[] payload, Duration timeout) {
        requireJoined();
        return node.sendRequest(this, payload, timeout);
    }

    @Override
    public void leave() {
        if (joined) {
            node.leave(this);
        }
    }

    private void requireJoined() {
        if (!joined) {
            throw new GroupException(ReasonCode.UNKNOWN_GROUP, self + " is not a member of group " + group);
        }
    }

    @Override
    public String toString() {
        return self + "@" + group;
    }

    /** the join is applied: its state comes from {@code node}, maybe already */
    synchronized void stateFrom(String node) {
        stateProvider = node;
        if (earlyStates.containsKey(node)) {
            joinState.complete(earlyStates.get(node));
        }
        earlyStates.clear();
    }

    /**
     * A state for this joiner from {@code node}: taken if that node's member is the provider the join named, kept
     * until the join is applied here if it came first (the provider may apply the join before this node does).
     *
     * @return false if it is dropped: another node's
     */
    synchronized boolean offerState(String node, byte[] state) {
        if (stateProvider == null) {
            earlyStates.put(node, state);
            return true;
        }
        if (!stateProvider.equals(node)) {
            return false;
        }
        joinState.complete(state);
        return true;
    }
}
