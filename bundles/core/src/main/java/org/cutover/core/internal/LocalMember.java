package org.cutover.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupListener;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;

/** A member on this node: the {@link Group} handle an application holds. */
final class LocalMember implements Group {
    private final ClusterNode node;
    private final String group;
    private final Member self;
    final GroupListener listener;
    private volatile int level;
    private volatile long epoch;
    private volatile boolean joined;
    /** deliveries held while the member waits for its state; guarded by the node's lock */
    private List<Runnable> held;
    private final java.util.concurrent.CountDownLatch stateIn = new java.util.concurrent.CountDownLatch(1);

    LocalMember(ClusterNode node, String group, Member self, GroupListener listener) {
        this.node = node;
        this.group = group;
        this.self = self;
        this.listener = listener;
    }

    void joined(int level, long epoch) {
        this.level = level;
        this.epoch = epoch;
        this.joined = true;
    }

    void awaitState() {
        held = new java.util.ArrayList<>();
    }

    /** runs the delivery now, or after the state has arrived */
    void deliver(Runnable delivery) {
        if (held != null) {
            held.add(delivery);
        } else {
            delivery.run();
        }
    }

    /** the state is in (or will never come): run what was held back */
    void stateArrived() {
        List<Runnable> waiting = held;
        held = null;
        if (waiting != null) {
            waiting.forEach(Runnable::run);
        }
        stateIn.countDown();
    }

    boolean awaitingState() {
        return held != null;
    }

    boolean awaitStateArrival(Duration timeout) throws InterruptedException {
        return stateIn.await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void switched(int level, long epoch) {
        this.level = level;
        this.epoch = epoch;
    }

    void left() {
        joined = false;
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
