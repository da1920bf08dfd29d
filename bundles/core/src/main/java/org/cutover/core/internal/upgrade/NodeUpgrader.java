package org.cutover.core.internal.upgrade;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.cutover.api.DefinedNode;
import org.cutover.api.version.UpgradeStatus.Phase;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;

/**
 * This node's part of a cluster-wide upgrade. When the log says its turn has come (the nodes before it capable),
 * it reports INSTALLING, installs the feature, waits until the levels it now runs are announced in the log, and
 * reports CAPABLE, which is the next node's turn; or it reports FAILED with the reason, which stops the rollout
 * there. A dry run simulates the install on every node at once and reports SIMULATED. Retiring a feature is the
 * same rollout with an uninstall, which the node itself refuses if it would take a level from a group. Every step is an entry of
 * the log, so the rollout goes on whatever becomes of the node that started it, and every node shows it alike.
 *
 * <p>A node that finds itself INSTALLING when nothing here is installing (it restarted midway, or its report did
 * not reach the log) installs again: an install of what is installed is quick and changes nothing.
 */
public final class NodeUpgrader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeUpgrader.class.getName());

    /** how often it looks without a log entry to wake it: a report that could not be appended is tried again */
    static final long POLL_MILLIS = 1_000;
    /** how long the levels an install brings may take to be announced in the log */
    static final long ANNOUNCE_TIMEOUT_MILLIS = 30_000;
    static final int MAX_DETAIL = 1_000;
    /** how long a join waits for its heal: an install of a few seconds, behind a rollout's install at most */
    static final long HEAL_WAIT_MILLIS = 120_000;

    private final ClusterNode node;
    private final FeatureInstaller installer;
    private final LevelHealer healer;
    private final ScheduledExecutorService worker;
    private final Runnable watcher = this::changed;
    private final AtomicBoolean queued = new AtomicBoolean();
    private String lastHealFailure;

    public NodeUpgrader(ClusterNode node, FeatureInstaller installer) {
        this.node = node;
        this.installer = installer;
        this.healer = new LevelHealer(node, installer);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-upgrade-" + node.localNode());
            t.setDaemon(true);
            return t;
        });
    }

    public NodeUpgrader start() {
        node.watchLevels(watcher);
        node.healLevelsWith(this::healOnWorker);
        worker.scheduleWithFixedDelay(this::look, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** on the log's applier thread: never blocks it */
    private void changed() {
        if (queued.compareAndSet(false, true)) {
            try {
                worker.execute(() -> {
                    queued.set(false);
                    look();
                });
            } catch (RejectedExecutionException closed) {
                // the node is going away
            }
        }
    }

    private void look() {
        if (!node.isSynced()) {
            return;
        }
        try {
            String me = node.localNode();
            Optional<UpgradeStatus> current = node.read(ClusterState::upgrade);
            if (current.isEmpty() || current.get().state() != UpgradeStatus.State.RUNNING) {
                healMissingLevel();
                return;
            }
            UpgradeStatus u = current.get();
            if (node.read(s -> s.upgradeTurnOf(me))) {
                if (!report(u, Phase.INSTALLING, (u.dryRun() ? "simulating " : u.retire() ? "retiring " : "installing ")
                        + u.feature())) {
                    return;
                }
            } else if (phaseOf(u, me) != Phase.INSTALLING) {
                return;
            }
            install(u);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "this node's part of the upgrade could not go on: " + e, e);
        }
    }

    /**
     * a join's heal, run on this upgrader's thread: never on the joining thread, which may be a component's
     * activation inside another bundle's start, where installing and starting a bundle must not happen
     */
    private String healOnWorker(int level) {
        try {
            return worker.submit(() -> healer.heal(level)).get(HEAL_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return "the install of level " + level + " did not finish in " + HEAL_WAIT_MILLIS / 1000 + " s";
        } catch (java.util.concurrent.ExecutionException e) {
            return "the install of level " + level + " failed: " + e.getCause();
        } catch (RejectedExecutionException e) {
            return "the node is stopping";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while level " + level + " was installed";
        }
    }

    /** a level a group runs that this node lacks: install what the cluster's upgrades installed */
    private void healMissingLevel() {
        int level = healer.missingLevel();
        if (level == 0) {
            return;
        }
        String why = healer.heal(level);
        if (why != null && !why.equals(lastHealFailure)) {
            LOG.log(System.Logger.Level.WARNING, "could not heal: " + why);
        }
        lastHealFailure = why;
    }

    private void install(UpgradeStatus u) {
        long start = System.nanoTime();
        FeatureInstaller.Installed done;
        java.util.Optional<org.cutover.core.internal.wire.Envelope.Kar> kar = u.retire() ? java.util.Optional.empty()
                : node.read(s -> s.karFor(u.feature()));
        try {
            if (u.retire()) {
                done = installer.uninstall(u.feature(), groupLevels(), u.dryRun());
            } else if (kar.isPresent() && u.dryRun()) {
                KarTrust.requireTrusted(kar.get(), node.trustedAuthorities());
                done = installer.deliver(kar.get(), u.feature(), true); // the feature is not known here before
            } else if (kar.isPresent()) {
                KarTrust.requireTrusted(kar.get(), node.trustedAuthorities());
                String delivered = installer.deliver(kar.get(), u.feature(), false).detail();
                FeatureInstaller.Installed installed = installer.install(u.feature(), false);
                done = new FeatureInstaller.Installed(delivered + "; " + installed.detail(), installed.levels());
            } else {
                done = installer.install(u.feature(), u.dryRun());
            }
        } catch (Exception e) {
            // Karaf's messages run over several lines ("Error:\n\tError downloading mvn:..."): one line per node
            String why = (e.getMessage() == null ? e.toString() : e.getMessage()).replaceAll("\\s+", " ").strip();
            LOG.log(System.Logger.Level.WARNING, "the upgrade to " + u.feature() + " failed here: " + why, e);
            report(u, Phase.FAILED, why);
            return;
        }
        if (u.dryRun()) {
            report(u, Phase.SIMULATED, done.detail());
            return;
        }
        SortedSet<Integer> levels;
        try {
            // after a retirement, what the node's infrastructure services serve now (they went with the bundles)
            levels = u.retire() ? awaitAnnounced(node.infra().levels(), true) : awaitAnnounced(done.levels(), false);
        } catch (IllegalStateException e) {
            report(u, Phase.FAILED, done.detail() + ", but " + e.getMessage());
            return;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        report(u, Phase.CAPABLE, done.detail() + " in " + millis + " ms; runs levels " + levels);
    }

    private Map<String, Integer> groupLevels() {
        Map<String, Integer> levels = new TreeMap<>();
        node.read(ClusterState::groups).forEach(g -> levels.put(g.name(), g.level()));
        return levels;
    }

    /**
     * waits until the log says this node runs the levels the feature brings (or, {@code exactly}, the levels left
     * after a retirement): its infrastructure bundle registers them after the install returns (its component starts
     * on its own), and the node announces them after that
     */
    private SortedSet<Integer> awaitAnnounced(Set<Integer> brought, boolean exactly) {
        long deadline = System.currentTimeMillis() + ANNOUNCE_TIMEOUT_MILLIS;
        while (true) {
            SortedSet<Integer> announced = node.read(s -> s.definedNode(node.localNode()))
                    .map(DefinedNode::levels).orElse(null);
            if (announced != null && (exactly ? announced.equals(brought) : announced.containsAll(brought))) {
                return announced;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("after " + ANNOUNCE_TIMEOUT_MILLIS / 1000 + " s the log has levels "
                        + announced + " for this node, not the levels " + brought + " the feature brings (this node"
                        + " runs " + node.infra().levels() + ")");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while its levels were announced");
            }
        }
    }

    /** @return whether the log took the report */
    private boolean report(UpgradeStatus u, Phase phase, String detail) {
        String d = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
        ClusterState.Result r = node.appendOperation(new Envelope.UpgradeProgress(u.id(), node.localNode(),
                phase.name(), d, System.currentTimeMillis()), "reporting " + phase + " of the upgrade");
        if (!r.accepted()) {
            LOG.log(System.Logger.Level.INFO, () -> "the log refused this node's " + phase + " in upgrade " + u.id()
                    + ": " + r.why());
        }
        return r.accepted();
    }

    private static Phase phaseOf(UpgradeStatus u, String node) {
        return u.nodes().stream().filter(p -> p.node().equals(node)).map(UpgradeStatus.NodeProgress::phase)
                .findFirst().orElse(null);
    }

    @Override
    public void close() {
        node.unwatchLevels(watcher);
        node.healLevelsWith(null);
        worker.shutdownNow();
    }
}
