package org.cutover.core.internal.version;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.wire.Envelope.Adjust;

/**
 * Adjusts the groups by itself when every defined node can run a higher
 * level: the groups below the potential level that no one holds go to it in
 * one ordered adjust, by the same checks as an operator's, recorded as
 * {@code auto@NODE}. Only the log's leader asks, so one node asks at a time;
 * if two leaders of successive terms raced, the groups' epochs let one adjust
 * win and refuse the other where it is applied.
 *
 * <p>It looks after every log entry that may let a level rise, and once a
 * second for a leadership it has just gained. While a check fails (a node
 * inactive or vanished, no majority in view) it asks nothing; the next entry
 * that changes a node's status looks again, and {@code cluster:version-check}
 * shows the reason meanwhile.
 */
public final class AutoAdjuster implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AutoAdjuster.class.getName());

    /** how often it looks whether this node has become the leader */
    public static final long LEADERSHIP_POLL_MILLIS = 1_000;

    private final ClusterNode node;
    private final VersionNegotiator negotiator;
    private final ScheduledExecutorService worker;
    private final Runnable watcher = this::changed;
    /** an entry came that may let a level rise since the last look, which is queued (false: none queued) */
    private final AtomicBoolean dirty = new AtomicBoolean();
    /** refused automatic adjusts in a row, each tried again at the next poll */
    static final int MAX_RETRIES = 3;

    // touched by the worker only
    private boolean wasLeader;
    private int retries;

    public AutoAdjuster(ClusterNode node, VersionNegotiator negotiator) {
        this.node = node;
        this.negotiator = negotiator;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-auto-adjust-" + node.localNode());
            t.setDaemon(true);
            return t;
        });
    }

    public AutoAdjuster start() {
        node.watchLevels(watcher);
        worker.scheduleWithFixedDelay(this::pollLeadership, LEADERSHIP_POLL_MILLIS, LEADERSHIP_POLL_MILLIS,
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** on the log's applier thread: never blocks it */
    private void changed() {
        if (dirty.compareAndSet(false, true)) {
            try {
                worker.execute(this::look);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the node is going away
            }
        }
    }

    private void pollLeadership() {
        boolean leader = node.isLeader();
        if (leader && !wasLeader) {
            dirty.set(true);
        }
        wasLeader = leader;
        look();
    }

    private void look() {
        if (!dirty.getAndSet(false) || !node.isLeader() || !node.isSynced()) {
            return;
        }
        try {
            var raise = node.read(state -> Map.entry(state.groupsToRaise(), state.potentialLevel()));
            Set<String> groups = raise.getKey();
            if (groups.isEmpty()) {
                retries = 0;
                return;
            }
            int target = raise.getValue();
            VersionRequest request = VersionRequest.of(target, groups.toArray(String[]::new));
            CheckResult check = negotiator.check(request);
            if (!check.passed()) {
                LOG.log(System.Logger.Level.DEBUG, () -> "no automatic adjust of " + groups + " to level " + target
                        + ": " + check.failures());
                return;
            }
            AdjustResult result = negotiator.adjustAutomatically(request, Adjust.AUTOMATIC);
            if (result.applied()) {
                retries = 0;
                LOG.log(System.Logger.Level.INFO, () -> "adjusted " + groups.size() + " group(s) to level "
                        + target + " automatically: every defined node runs it");
            } else {
                LOG.log(System.Logger.Level.INFO, () -> "the automatic adjust to level " + target
                        + " did not switch: " + result.check().failures());
                // an operator's adjust of some of the groups came first in the log: look again at the next poll,
                // a few times only, so that a refusal the checks here cannot foresee appends no endless adjusts
                if (retries < MAX_RETRIES) {
                    retries++;
                    dirty.set(true);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the automatic adjust failed: " + e, e);
        }
    }

    @Override
    public void close() {
        node.unwatchLevels(watcher);
        worker.shutdownNow();
    }
}
