package org.cutover.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupListener;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;

/**
 * A member on this node: the {@link Group} handle an application holds, and
 * its own ordered delivery. The log's applier only queues work here; the
 * member's thread calls the listener, so a slow listener holds up only its
 * own member, and a listener may send from its callback (the send waits for
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
    /** the state an existing member gave at the join's position; completes with null when none is needed */
    final CompletableFuture<byte[]> joinState = new CompletableFuture<>();
    /** done when the member may see its first message: state restored (or not needed), or failed */
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final ExecutorService deliveries;

    LocalMember(ClusterNode node, String group, Member self, GroupListener listener) {
        this.node = node;
        this.group = group;
        this.self = self;
        this.listener = listener;
        // unbounded on purpose: the applier must never block on a member; a member that cannot keep up
        // grows its own queue (visible in a heap dump by the thread's name), not the cluster's
        this.deliveries = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cutover-member-" + self.id() + "@" + group);
            t.setDaemon(true);
            return t;
        });
    }

    /** runs the task on this member's delivery thread, after everything queued before it */
    void deliver(Runnable task) {
        try {
            deliveries.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException gone) {
            // the member has left: what comes after its leave is not its to see
        }
    }

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
        deliveries.shutdown();
    }

    void leaving() {
        leaving = true;
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
}
