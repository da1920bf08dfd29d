package org.cutover.core.internal;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.cutover.api.GroupInfo;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.wire.Envelope.Leave;

/**
 * The members that live on this node, and how what the log decides reaches
 * them: each change is queued to each member's own delivery thread, in log
 * order. A member that cannot follow the stream (its listener threw, a message
 * cannot be decoded, the node caught up from a snapshot) leaves at that point.
 */
final class LocalMembers {

    private static final System.Logger LOG = System.getLogger(LocalMembers.class.getName());

    private final String nodeName;
    private final Replica replica;
    private final EventSink events;
    /** puts a member's leave into the log (nothing once the node is closed) */
    private final Consumer<Leave> leaveInLog;
    private final Map<String, LocalMember> byId = new ConcurrentHashMap<>();
    /**
     * The joined members by group, and their queues side by side: every change and message looks up its group's
     * members here. A scan of all members per lookup made an adjust of 1,000 groups with 1,000 members per node
     * cost 10^6 steps per node; reading each member's joined flag and then its queue, two objects the runners
     * write at each delivery, was still the largest part of that adjust's dispatch (JFR 2026-12-06: 1,482 of
     * 4,260 samples of the log's threads under the adjust).
     */
    private final Map<String, Joined> byGroup = new ConcurrentHashMap<>();
    private final DeliveryScheduler deliveries;

    LocalMembers(String nodeName, Replica replica, EventSink events, DeliveryScheduler deliveries,
                 Consumer<Leave> leaveInLog) {
        this.nodeName = nodeName;
        this.replica = replica;
        this.events = events;
        this.deliveries = deliveries;
        this.leaveInLog = leaveInLog;
    }

    /** a member that asked to join: it gets deliveries once its join is applied ({@link #joined}) */
    void add(LocalMember m) {
        byId.put(m.self().id(), m);
    }

    /** the member's join is applied, at {@code level} and {@code epoch}: it gets what follows in the log */
    void joined(LocalMember m, int level, long epoch) {
        // under byId's lock for the member: one removed meanwhile (its join undone by its caller) stays out
        byId.computeIfPresent(m.self().id(), (id, present) -> {
            if (present == m) {
                m.joined(level, epoch);
                // copied on a join or leave, read on every change and message of the group
                byGroup.merge(m.name(), Joined.of(m), (old, one) -> old.with(m));
            }
            return present;
        });
    }

    LocalMember get(String id) {
        return byId.get(id);
    }

    LocalMember remove(String id) {
        LocalMember lm = byId.remove(id);
        if (lm != null) {
            byGroup.computeIfPresent(lm.name(), (g, joined) -> joined.without(lm));
        }
        return lm;
    }

    Collection<LocalMember> all() {
        return List.copyOf(byId.values());
    }

    /** the node closes: every member has left, without a word to the log */
    void clear() {
        byId.values().forEach(LocalMember::left);
        byId.clear();
        byGroup.clear();
    }

    /** this node's joined members of the group (a few, not the group's state) */
    List<LocalMember> of(String group) {
        Joined joined = byGroup.get(group);
        return joined == null ? List.of() : Arrays.asList(joined.members);
    }

    /**
     * Queues to each joined member of the group, in log order, the task {@code task} makes for it; only the
     * members' queues are read here, not the members.
     *
     * @return whether the group has members on this node
     */
    boolean deliverToEach(String group, Function<LocalMember, Runnable> task) {
        Joined joined = byGroup.get(group);
        if (joined == null) {
            return false;
        }
        for (int i = 0; i < joined.members.length; i++) {
            joined.queues[i].execute(task.apply(joined.members[i]));
        }
        return true;
    }

    /**
     * What {@code queueing} hands the members goes to the runners at its end, together: the applier runs each log
     * entry's envelopes so (an adjust of 1,000 groups queued 1,000 members while the runners took them from the
     * same queues, on two cores).
     */
    void together(Runnable queueing) {
        deliveries.together(queueing);
    }

    /**
     * An accepted change, holding the replica's monitor: queued to every local member it concerns.
     *
     * @param revertable an adjust the member nodes watch and revert when a check of the group turns critical
     */
    void dispatch(MembershipChange c, boolean revertable) {
        boolean removal = c.reason() == Reason.LEAVE || c.reason() == Reason.FAILURE
                || c.reason() == Reason.NODE_INCAPABLE;
        if (removal) {
            for (Member m : c.members()) {
                LocalMember lm = remove(m.id());
                if (lm != null) {
                    if (c.reason() == Reason.NODE_INCAPABLE) {
                        LOG.log(System.Logger.Level.WARNING, "member " + m + " left group " + c.group()
                                + ": node " + nodeName + " cannot run its level " + c.toLevel());
                    }
                    lm.deliver(told(lm, c)); // its last delivery
                    lm.left();
                }
            }
        }
        boolean hasMembers = deliverToEach(c.group(), lm -> told(lm, c));
        if (c.reason() == Reason.ADJUST_VERSION && hasMembers) { // posted where the group has members
            // after the members are told; a failing EventAdmin is GuardedEvents' to absorb
            events.post(VersionService.TOPIC_VERSION_ADJUSTED, () -> Map.of("group", c.group(), "from", c.fromLevel(),
                    "to", c.toLevel(), "epoch", c.epoch(), "requestedBy", c.requestedBy(), "node", nodeName,
                    VersionService.EVENT_REVERTABLE, revertable));
        }
    }

    /** the member's delivery of a change */
    private Runnable told(LocalMember lm, MembershipChange c) {
        return () -> {
            if (c.reason() == Reason.ADJUST_VERSION) {
                lm.switched(c.toLevel(), c.epoch());
            }
            callListener(lm, () -> lm.listener.onMembershipChange(c), "a membership change");
        };
    }

    /**
     * A member that cannot follow the stream leaves at this point of it: it is told with {@code reason}, stops
     * getting deliveries, and its leave goes into the log. It never skips a message and stays. Holding the
     * replica's monitor.
     */
    void drop(LocalMember lm, Reason reason, String why) {
        if (remove(lm.self().id()) == null) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "member " + lm.self() + " leaves group " + lm.name() + ": " + why);
        GroupInfo g = replica.state.group(lm.name()).orElse(null);
        MembershipChange c = new MembershipChange(reason, lm.name(), List.of(lm.self()), lm.level(), lm.level(),
                g == null ? 0 : g.epoch(), nodeName);
        lm.deliver(() -> {
            try {
                lm.listener.onMembershipChange(c); // also when its listener threw before: its last delivery
            } catch (RuntimeException | Error ex) {
                LOG.log(System.Logger.Level.WARNING, "listener of " + lm + " failed on its own removal", ex);
            }
        });
        lm.left();
        leaveInLog.accept(new Leave(lm.name(), lm.self().id()));
    }

    /**
     * On the member's thread: a listener that throws leaves the group rather than go on having missed a message; an
     * Error too (NoClassDefFoundError from an application bundle refreshed under its listener: the runner logged it
     * and went on with the member's next message).
     */
    void callListener(LocalMember lm, Runnable call, String what) {
        if (lm.hasListenerThrown()) {
            return; // queued before it left, after the delivery it threw on (a member that threw got m1 and m3)
        }
        try {
            call.run();
        } catch (RuntimeException | Error ex) {
            lm.listenerThrew();
            LOG.log(System.Logger.Level.WARNING, "listener of " + lm + " failed on " + what + "; the member leaves",
                    ex);
            synchronized (replica) {
                if (lm.isJoined()) {
                    drop(lm, Reason.FAILURE, "its listener threw " + ex);
                }
            }
        }
    }

    /** one group's joined members on this node and, at the same index, their queues; never changed, replaced */
    private static final class Joined {
        final LocalMember[] members;
        final MemberQueue[] queues;

        private Joined(LocalMember[] members) {
            this.members = members;
            this.queues = new MemberQueue[members.length];
            for (int i = 0; i < members.length; i++) {
                queues[i] = members[i].queue();
            }
        }

        static Joined of(LocalMember m) {
            return new Joined(new LocalMember[] {m});
        }

        Joined with(LocalMember m) {
            LocalMember[] more = Arrays.copyOf(members, members.length + 1);
            more[members.length] = m;
            return new Joined(more);
        }

        /** null when none is left */
        Joined without(LocalMember m) {
            LocalMember[] rest = Arrays.stream(members).filter(x -> x != m).toArray(LocalMember[]::new);
            return rest.length == 0 ? null : new Joined(rest);
        }
    }
}
