package org.cutover.core.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.AdjustConfirm;
import org.cutover.core.internal.wire.Envelope.AdjustDone;

/**
 * The adjusts this node asked for, each followed by its {@link AdjustWaiter}
 * from the append until the negotiator records how it ended.
 */
final class PendingAdjusts {

    private static final System.Logger LOG = System.getLogger(PendingAdjusts.class.getName());

    /** the node's way into the log for a caller (waits for a leader, bounded) */
    private final Function<Envelope, CompletableFuture<ClusterState.Result>> appendForCaller;
    private final Supplier<LogLink> log;
    private final Map<String, AdjustWaiter> byRequest = new ConcurrentHashMap<>();

    PendingAdjusts(Function<Envelope, CompletableFuture<ClusterState.Result>> appendForCaller, Supplier<LogLink> log) {
        this.appendForCaller = appendForCaller;
        this.log = log;
    }

    /** appends an adjust to the log; the waiter follows its application and the confirmations */
    void send(Adjust adjust, AdjustWaiter waiter) {
        byRequest.put(adjust.requestId(), waiter);
        appendForCaller.apply(adjust).whenComplete((r, e) -> {
            if (e != null) {
                waiter.failed(e instanceof GroupException g ? g : new GroupException(ReasonCode.NOT_CONNECTED,
                        e.toString()));
            } else if (!r.accepted()) {
                // refused before the state saw it (an entry that speaks for another node): the waiter hears it
                // here; an adjust the state refused or applied was delivered to it already, and that stands
                waiter.delivered(r);
            }
        });
    }

    /** records how the adjust ended in the replicated history; off the caller's path, with the node's next entry */
    void finish(AdjustDone done) {
        byRequest.remove(done.requestId());
        log.get().appendLater(done).whenComplete((r, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.DEBUG, "adjust outcome not recorded: " + e);
            }
        });
    }

    /** the waiter of an adjust this node asked for, or null */
    AdjustWaiter waiter(String requestId) {
        return byRequest.get(requestId);
    }

    /** a node's confirmation, by unicast beside the log */
    void confirmed(AdjustConfirm c) {
        AdjustWaiter w = byRequest.get(c.requestId());
        if (w != null) {
            w.confirmed(c.node());
        }
    }

    /** the nodes still there: a waiter stops waiting for the others; computed only while an adjust is pending */
    void nodesChanged(Supplier<Set<String>> present) {
        if (!byRequest.isEmpty()) {
            Set<String> nodes = present.get();
            byRequest.values().forEach(w -> w.viewChanged(nodes));
        }
    }
}
