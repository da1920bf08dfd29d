package org.cutover.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.cutover.api.Delivery;
import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.InfraFunction;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Slice;
import org.cutover.core.internal.wire.Envelope.GroupData;
import org.cutover.core.internal.wire.Envelope.Reply;

/**
 * A group's data: messages and requests go into the log encoded with the
 * sending member's level, are decoded on every node with the level in the
 * envelope, and are queued to the local members; replies to a request come
 * back by unicast beside the log.
 */
final class GroupMessaging {

    private static final System.Logger LOG = System.getLogger(GroupMessaging.class.getName());

    private final String nodeName;
    private final InfraLevels infra;
    private final Replica replica;
    private final LocalMembers members;
    /** the node's way into the log for a caller (waits for a leader, bounded) */
    private final Function<Envelope, CompletableFuture<ClusterState.Result>> append;
    /** group data nobody waits for: it may wait a little for more to share its log entry */
    private final BiFunction<GroupData, Executor, CompletableFuture<ClusterState.Result>> appendStreamed;
    /** a unicast to a node, beside the log */
    private final BiConsumer<String, Envelope> unicast;
    private final ScheduledExecutorService timer;
    private final Map<Long, RequestTracker> requests = new ConcurrentHashMap<>();
    /** every group's messages in the log so far, counted where they are applied (the applier is the one writer) */
    private final Map<String, Traffic> traffic = new ConcurrentHashMap<>();

    /** a group's messages and their payload bytes, as applied on this node: the same count on every node */
    static final class Traffic {
        volatile long messages;
        volatile long bytes;
    }

    GroupMessaging(String nodeName, InfraLevels infra, Replica replica, LocalMembers members,
                   Function<Envelope, CompletableFuture<ClusterState.Result>> append,
                   BiFunction<GroupData, Executor, CompletableFuture<ClusterState.Result>> appendStreamed,
                   BiConsumer<String, Envelope> unicast, ScheduledExecutorService timer) {
        this.appendStreamed = appendStreamed;
        this.nodeName = nodeName;
        this.infra = infra;
        this.replica = replica;
        this.members = members;
        this.append = append;
        this.unicast = unicast;
        this.timer = timer;
    }

    /**
     * queues one data message; completes when this node has applied it
     *
     * @param awaited whether the caller waits for it (send): else it may wait for more to share its log entry
     */
    CompletableFuture<Void> send(LocalMember member, byte[] payload, boolean awaited) {
        InfraProtocol p = protocolFor(member);
        GroupData d = new GroupData(member.name(), member.self().id(), p.level(), Slice.of(p.encode(member.name(),
                Frame.data(payload))));
        // a sendAsync stage completes in its member's delivery order, where what its caller chains to it may send
        // and wait, as a listener may
        return (awaited ? append.apply(d) : appendStreamed.apply(d, member.completions)).thenApply(r -> null);
    }

    /** a frame of a function the member's level brings (core knows only that the level encodes and reads it) */
    CompletableFuture<Void> sendExtension(LocalMember member, String extension, byte[] argument) {
        InfraProtocol p = protocolFor(member);
        if (!p.extensions().contains(extension)) {
            throw new FunctionUnavailableException(member.name(), extension, p.level());
        }
        return append.apply(new GroupData(member.name(), member.self().id(), p.level(), Slice.of(
                p.encodeExtension(member.name(), extension, argument)))).thenApply(r -> null);
    }

    CompletionStage<RequestResult> request(LocalMember member, byte[] payload, Duration timeout) {
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
        timer.schedule(tracker::timeOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
        append.apply(new GroupData(member.name(), member.self().id(), p.level(), Slice.of(frame))).whenComplete((r, e) -> {
            if (e != null) {
                tracker.future.completeExceptionally(e);
            }
        });
        // completed in the member's delivery order, as a sendAsync stage: the last reply comes on the thread that
        // delivers its node's unicasts in order, and a chained callback that blocked there held them all (an
        // adjust's confirmations among them)
        CompletableFuture<RequestResult> stage = new CompletableFuture<>();
        tracker.future.whenComplete((r, e) -> member.completions.execute(() -> {
            if (e != null) {
                stage.completeExceptionally(e);
            } else {
                stage.complete(r);
            }
        }));
        return stage;
    }

    private InfraProtocol protocolFor(LocalMember member) {
        int level = member.level();
        return infra.protocol(level).orElseThrow(() -> new GroupException(ReasonCode.NODE_INCAPABLE,
                "node " + nodeName + " no longer runs level " + level + " that group " + member.name() + " uses"));
    }

    /** a data envelope at its log position, holding the replica's monitor */
    void onGroupData(GroupData d, long pos) {
        Traffic t = traffic.computeIfAbsent(d.group(), g -> new Traffic());
        t.messages++; // one writer (the applier thread); readers only read
        t.bytes += d.frame().length();
        List<LocalMember> targets = members.of(d.group());
        if (targets.isEmpty()) {
            return;
        }
        Optional<InfraProtocol> protocol = infra.protocol(d.level());
        if (protocol.isEmpty()) {
            targets.forEach(lm -> members.drop(lm, Reason.NODE_INCAPABLE, "node " + nodeName
                    + " cannot decode a level " + d.level() + " message (no infrastructure bundle runs that level)"));
            return;
        }
        Frame frame;
        try {
            // a LinkageError too: the level's bundle was refreshed or uninstalled under it (NoClassDefFoundError);
            // thrown on, it left the rest of the log entry unapplied on this node alone and the member untold
            frame = protocol.get().decode(d.group(), d.frame().array(), d.frame().offset(), d.frame().length());
        } catch (RuntimeException | LinkageError ex) {
            targets.forEach(lm -> members.drop(lm, Reason.NODE_INCAPABLE, "a level " + d.level() + " message from "
                    + d.member() + " cannot be decoded here: " + ex.getMessage()));
            return;
        }
        Member sender = new Member(Speaker.nodeOfMember(d.member()), d.member());
        Delivery delivery = new Delivery(d.group(), sender, d.level(), pos, frame.payload());
        switch (frame.kind()) {
            case DATA -> targets.forEach(lm -> lm.deliver(() ->
                    members.callListener(lm, () -> lm.listener.onMessage(delivery), "a message")));
            case EXTENSION -> deliverExtension(d, pos, sender, frame, protocol.get(), targets);
            case REQUEST -> {
                RequestTracker tracker = null;
                if (sender.node().equals(nodeName)) {
                    tracker = requests.get(frame.requestId());
                    if (tracker != null) {
                        tracker.expect(replica.state.group(d.group()).map(GroupInfo::members).orElse(List.of()));
                    }
                }
                boolean local = tracker != null;
                for (LocalMember lm : targets) {
                    lm.deliver(() -> answer(lm, d, delivery, frame, protocol.get(), local, sender.node()));
                }
            }
            case REPLY -> LOG.log(System.Logger.Level.WARNING, "a REPLY frame arrived in the log; ignored");
        }
    }

    /**
     * The messages the level makes of a frame of its own function, to every local member in one task each: they
     * reach the listener one after the other at the frame's position, nothing between them
     */
    private void deliverExtension(GroupData d, long pos, Member sender, Frame frame, InfraProtocol protocol,
                                  List<LocalMember> targets) {
        List<Delivery> deliveries = new java.util.ArrayList<>();
        try {
            for (byte[] m : protocol.messages(d.group(), frame)) {
                deliveries.add(new Delivery(d.group(), sender, d.level(), pos, m));
            }
        } catch (RuntimeException | LinkageError ex) {
            targets.forEach(lm -> members.drop(lm, Reason.NODE_INCAPABLE, "a level " + d.level() + " frame of an"
                    + " infrastructure function from " + d.member() + " cannot be read here: " + ex.getMessage()));
            return;
        }
        for (LocalMember lm : targets) {
            lm.deliver(() -> {
                for (Delivery one : deliveries) {
                    members.callListener(lm, () -> lm.listener.onMessage(one), "a message");
                    if (!lm.isJoined()) {
                        return; // its listener threw and it left: the rest is not its to see
                    }
                }
            });
        }
    }

    private void answer(LocalMember lm, GroupData d, Delivery request, Frame frame, InfraProtocol protocol,
                        boolean local, String requester) {
        byte[][] answer = new byte[1][];
        members.callListener(lm, () -> answer[0] = lm.listener.onRequest(request), "a request");
        if (answer[0] == null && !lm.isJoined()) {
            return;
        }
        byte[] reply = protocol.encode(d.group(), new Frame(Frame.Kind.REPLY, frame.requestId(),
                answer[0] == null ? new byte[0] : answer[0]));
        Reply r = new Reply(d.group(), lm.self().id(), d.level(), Slice.of(reply));
        if (local) {
            onReply(r);
        } else {
            unicast.accept(requester, r);
        }
    }

    /** a member's reply to a request of this node, by unicast or from a local member */
    void onReply(Reply r) {
        Optional<InfraProtocol> protocol = infra.protocol(r.level());
        if (protocol.isEmpty()) {
            return;
        }
        try {
            Frame f = protocol.get().decode(r.group(), r.frame().array(), r.frame().offset(), r.frame().length());
            RequestTracker tracker = requests.get(f.requestId());
            if (tracker != null && f.kind() == Frame.Kind.REPLY) {
                tracker.reply(new Member(Speaker.nodeOfMember(r.member()), r.member()), f.payload());
            }
        } catch (RuntimeException | LinkageError ex) {
            LOG.log(System.Logger.Level.WARNING, "dropped an undecodable reply from " + r.member() + ": "
                    + ex.getMessage());
        }
    }

    /** {messages, bytes} of the group's messages applied here so far */
    long[] traffic(String group) {
        Traffic t = traffic.get(group);
        return t == null ? new long[2] : new long[] {t.messages, t.bytes};
    }
}
