package org.cutover.example.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.cutover.api.Delivery;
import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;

/**
 * A hand-written stand-in for Cutover's ordered group stream: one lock makes
 * one total order, one log; each send takes the next log position and is
 * delivered with it to every member, in join order, on the sender's thread.
 */
public final class FakeBus {

    public volatile int level = 2;
    /** the next send fails with this; {@link #failedSendApplied} says whether its message is delivered anyway */
    private volatile GroupException nextSendFails;
    private volatile boolean failedSendApplied;
    volatile long epoch = 1;
    private final List<FakeGroup> members = new ArrayList<>();
    private final AtomicInteger memberIds = new AtomicInteger();
    private long logPosition;

    /** the next send throws {@code e}; with {@code appliedAnyway} its message is in the order all the same */
    public void failNextSend(GroupException e, boolean appliedAnyway) {
        failedSendApplied = appliedAnyway;
        nextSendFails = e;
    }

    public FakeGroupService node(String name) {
        return new FakeGroupService(name);
    }

    public synchronized List<Member> members() {
        return members.stream().map(FakeGroup::self).toList();
    }

    synchronized void send(Member sender, byte[] payload) {
        Delivery d = new Delivery("kv", sender, level, ++logPosition, payload);
        for (FakeGroup m : members) {
            if (m.swapNextTwo && m.held == null) {
                m.held = d;
                continue;
            }
            m.listener.onMessage(d);
            if (m.held != null) {
                m.listener.onMessage(m.held);
                m.held = null;
                m.swapNextTwo = false;
            }
        }
    }

    /** level 3's atomic batch: every member gets all messages at one log position, one after the other */
    synchronized void sendBatch(Member sender, List<byte[]> payloads) {
        if (level < 3) {
            throw new FunctionUnavailableException("kv", "atomic-batch", level);
        }
        long position = ++logPosition;
        for (FakeGroup m : members) {
            for (byte[] p : payloads) {
                m.listener.onMessage(new Delivery("kv", sender, level, position, p));
            }
        }
    }

    /** the store's way to batches on this bus (the real one goes through infra 3.0.0's service) */
    public AtomicBatches batches() {
        return (group, payloads) -> ((FakeGroup) group).sendBatch(payloads);
    }

    /** the cluster removes the member as it does a node's members when the node is cut off: every member hears it */
    public synchronized void fail(Member member) {
        MembershipChange change = new MembershipChange(MembershipChange.Reason.FAILURE, "kv", List.of(member), level,
                level, epoch, "");
        List<FakeGroup> all = new ArrayList<>(members);
        members.removeIf(m -> m.self.equals(member));
        for (FakeGroup m : all) {
            m.listener.onMembershipChange(change);
        }
    }

    /** delivers to one member only: what a fault would do, to make maps differ */
    public synchronized void sendOnlyTo(Member target, Member sender, byte[] payload) {
        Delivery d = new Delivery("kv", sender, level, ++logPosition, payload);
        for (FakeGroup m : members) {
            if (m.self.equals(target)) {
                m.listener.onMessage(d);
            }
        }
    }

    /** the member gets the next two messages in swapped order, each with its own log position: an order fault */
    public synchronized void swapNextTwoFor(Member target) {
        members.stream().filter(m -> m.self.equals(target)).forEach(m -> m.swapNextTwo = true);
    }

    synchronized CompletionStage<RequestResult> request(Member sender, byte[] payload) {
        if (level < 2) {
            throw new FunctionUnavailableException("kv", InfraFunction.REQUEST_ALL, level);
        }
        Map<Member, byte[]> replies = new HashMap<>();
        Set<Member> timedOut = new HashSet<>();
        for (FakeGroup m : members) {
            if (m.silent) {
                timedOut.add(m.self);
                continue;
            }
            replies.put(m.self, m.listener.onRequest(new Delivery("kv", sender, level, logPosition + 1, payload)));
        }
        logPosition++;
        return CompletableFuture.completedFuture(new RequestResult(replies, timedOut));
    }

    /** a GroupService of one node; its joins can be held at a gate or made to fail */
    public final class FakeGroupService implements GroupService {
        final String node;
        final AtomicInteger joinCalls = new AtomicInteger();
        public volatile CountDownLatch gate = new CountDownLatch(0);
        final AtomicInteger failuresLeft = new AtomicInteger();
        volatile FakeGroup last;

        FakeGroupService(String node) {
            this.node = node;
        }

        @Override
        public Group join(String group, GroupListener listener) {
            joinCalls.incrementAndGet();
            try {
                if (!gate.await(10, TimeUnit.SECONDS)) {
                    throw new GroupException(ReasonCode.NOT_CONNECTED, "the test's gate stayed shut");
                }
            } catch (InterruptedException e) {
                throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted");
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + node + " has not learnt the cluster state");
            }
            FakeGroup g = new FakeGroup(group, new Member(node, node + "#" + memberIds.incrementAndGet()), listener);
            synchronized (FakeBus.this) {
                members.add(g);
            }
            last = g;
            return g;
        }

        @Override
        public List<GroupInfo> groups() {
            return List.of(new GroupInfo("kv", level, 2, epoch, members()));
        }

        @Override
        public java.util.Optional<GroupInfo> group(String name) {
            return groups().stream().filter(g -> g.name().equals(name)).findFirst();
        }
    }

    final class FakeGroup implements Group {
        final String name;
        final Member self;
        final GroupListener listener;
        boolean swapNextTwo;
        Delivery held;
        volatile boolean silent;
        volatile boolean left;

        FakeGroup(String name, Member self, GroupListener listener) {
            this.name = name;
            this.self = self;
            this.listener = listener;
        }

        @Override
        public String name() {
            return name;
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
            return FakeBus.this.members();
        }

        @Override
        public boolean supports(InfraFunction function) {
            return function == InfraFunction.ORDERED_BROADCAST || level >= 2;
        }

        @Override
        public boolean supports(String extension) {
            return level >= 3 && "atomic-batch".equals(extension);
        }

        /** frames are the infrastructure's: the fake bus reaches batches through {@link FakeBus#batches()} */
        @Override
        public void sendExtension(String extension, byte[] argument) {
            throw new UnsupportedOperationException("the fake bus encodes no frames");
        }

        void sendBatch(List<byte[]> payloads) {
            if (left) {
                throw new GroupException(ReasonCode.UNKNOWN_GROUP, self + " is not a member of group " + name);
            }
            FakeBus.this.sendBatch(self, payloads);
        }

        @Override
        public void send(byte[] payload) {
            if (left) {
                throw new GroupException(ReasonCode.UNKNOWN_GROUP, self + " is not a member of group " + name);
            }
            GroupException failure = nextSendFails;
            if (failure != null) {
                nextSendFails = null;
                if (failedSendApplied) {
                    FakeBus.this.send(self, payload);
                }
                throw failure;
            }
            FakeBus.this.send(self, payload);
        }

        /** the fake bus delivers synchronously, so the stage is complete when this returns */
        @Override
        public CompletionStage<Void> sendAsync(byte[] payload) {
            send(payload);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<RequestResult> request(byte[] payload, Duration timeout) {
            return FakeBus.this.request(self, payload);
        }

        @Override
        public void leave() {
            left = true;
            synchronized (FakeBus.this) {
                members.remove(this);
            }
        }
    }
}
