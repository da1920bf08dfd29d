package org.cutover.core.internal.upgrade;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;

import org.cutover.api.DefinedNode;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.state.ClusterState;

/**
 * Heals a node that starts or comes back without a level its groups run (it was down during the upgrade, or was
 * set up again from the distribution): it installs, from its own system/, the features the cluster's finished
 * upgrades put on every node ({@link ClusterState#clusterFeatures()}), and waits until the log says it runs the
 * level. A member's join asks for it before the join is sent, so the member is admitted at the group's level or
 * refused NODE_INCAPABLE with what the node lacks and why it could not get it; the upgrader also asks on its own
 * when it sees a level missing here.
 */
public final class LevelHealer {

    private static final System.Logger LOG = System.getLogger(LevelHealer.class.getName());

    /**
     * a failed heal is answered from memory for this long: a member's join is retried every few seconds (the
     * example's every 2 s), and each install attempt that fails costs Karaf's resolver about a second of CPU
     */
    static final long RETRY_MILLIS = 10_000;

    private final ClusterNode node;
    private final FeatureInstaller installer;
    private String lastFailure;
    private int lastFailedLevel;
    private long lastFailureAt;

    public LevelHealer(ClusterNode node, FeatureInstaller installer) {
        this.node = node;
        this.installer = installer;
    }

    /** the lowest level a group runs that the log does not have for this node, or 0 when it has them all */
    public int missingLevel() {
        Set<Integer> mine = announced();
        return node.read(ClusterState::groups).stream().mapToInt(g -> g.level()).filter(l -> !mine.contains(l))
                .min().orElse(0);
    }

    /**
     * Makes this node run {@code level}, announced in the log.
     *
     * @return null once it does; else why it cannot, naming the level and what was tried
     */
    public synchronized String heal(int level) {
        if (announced().contains(level)) {
            return null;
        }
        if (node.infra().levels().isEmpty()) {
            // the node is still starting: its infrastructure bundle, and Karaf's features service, come later
            // (start level 78); a heal now would fail for that alone
            return "node " + node.localNode() + " runs no infrastructure level yet (still starting)";
        }
        if (lastFailure != null && lastFailedLevel == level && System.currentTimeMillis() < lastFailureAt + RETRY_MILLIS) {
            return lastFailure;
        }
        String why = tryToHeal(level);
        lastFailure = why;
        lastFailedLevel = level;
        lastFailureAt = System.currentTimeMillis();
        return why;
    }

    private String tryToHeal(int level) {
        SortedSet<String> features = node.read(ClusterState::clusterFeatures);
        String lacks = "node " + node.localNode() + " runs levels " + announced() + " and lacks level " + level;
        if (features.isEmpty()) {
            return lacks + "; no finished cluster:upgrade names a feature that brings it";
        }
        List<String> failures = new ArrayList<>();
        for (String feature : features) {
            try {
                java.util.Optional<org.cutover.core.internal.wire.Envelope.Kar> kar = node.read(s -> s.karFor(feature));
                if (kar.isPresent()) {
                    KarTrust.requireTrusted(kar.get(), node.trustedAuthorities());
                    LOG.log(System.Logger.Level.INFO, "healing level " + level + ": "
                            + installer.deliver(kar.get(), feature, false).detail());
                }
                FeatureInstaller.Installed done = installer.install(feature, false);
                LOG.log(System.Logger.Level.INFO, "healing level " + level + ": " + done.detail());
            } catch (Exception e) {
                String why = (e.getMessage() == null ? e.toString() : e.getMessage()).replaceAll("\\s+", " ").strip();
                failures.add("installing " + feature + " failed: " + why);
            }
        }
        long deadline = System.currentTimeMillis() + NodeUpgrader.ANNOUNCE_TIMEOUT_MILLIS;
        while (!announced().contains(level)) {
            if (!failures.isEmpty() && !node.infra().levels().contains(level)) {
                return lacks + "; " + String.join("; ", failures);
            }
            if (System.currentTimeMillis() > deadline) {
                return lacks + "; " + (failures.isEmpty() ? "the features " + features + " are installed here but "
                        + "the log has no level " + level + " for this node after "
                        + NodeUpgrader.ANNOUNCE_TIMEOUT_MILLIS / 1000 + " s" : String.join("; ", failures));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return lacks + "; interrupted while installing " + features;
            }
        }
        return null;
    }

    private SortedSet<Integer> announced() {
        return node.read(s -> s.definedNode(node.localNode())).map(DefinedNode::levels)
                .orElse(java.util.Collections.emptySortedSet());
    }
}
