package org.cutover.core.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.cutover.api.Member;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.GroupState;
import org.cutover.core.internal.wire.Envelope.Join;

/**
 * A joiner's state: the first other member of the group, in join order,
 * computes it on its own delivery thread at the join's position (after every
 * message before the join, before any after it) and sends it by unicast; the
 * joiner restores it as its first delivery. No state in time fails the join.
 */
final class StateTransfer {

    private static final System.Logger LOG = System.getLogger(StateTransfer.class.getName());

    private final String nodeName;
    private final LocalMembers members;
    private final BiConsumer<String, Envelope> unicast;
    private final Duration timeout;

    StateTransfer(String nodeName, LocalMembers members, BiConsumer<String, Envelope> unicast, Duration timeout) {
        this.nodeName = nodeName;
        this.members = members;
        this.unicast = unicast;
        this.timeout = timeout;
    }

    /** the joiner's first delivery: waits for its state, restores it, and lets the join return */
    void restoreOnDeliveryThread(LocalMember m) {
        m.deliver(() -> {
            try {
                byte[] s = m.joinState.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (s != null) {
                    m.listener.restoreState(s);
                }
                m.ready.complete(null);
            } catch (Exception e) {
                m.ready.completeExceptionally(e);
            }
        });
    }

    /** if the provider lives here, it gives the joiner its state as of the join's position */
    void provide(Member provider, Join j) {
        LocalMember p = members.get(provider.id());
        if (p == null) {
            return;
        }
        p.deliver(() -> {
            byte[] snapshot;
            try {
                snapshot = p.listener.stateForJoiner();
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "listener of " + p + " failed to give state to " + j.member()
                        + "; the join will fail", ex);
                return;
            }
            GroupState gs = new GroupState(j.group(), j.member(), snapshot);
            if (j.node().equals(nodeName)) {
                received(gs, nodeName);
            } else {
                unicast.accept(j.node(), gs);
            }
        });
    }

    /** a state for a joiner of this node, from the node of the member the join named as its provider only */
    void received(GroupState g, String fromNode) {
        LocalMember joiner = members.get(g.joiner());
        if (joiner == null) {
            return;
        }
        if (!joiner.offerState(fromNode, g.state())) {
            LOG.log(System.Logger.Level.WARNING, "dropped a state for " + g.joiner() + " from node " + fromNode
                    + ": the member that gives it its state is on another node");
        }
    }
}
