package org.cutover.core.internal.upgrade;

import java.util.Optional;
import java.util.UUID;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.core.internal.CallingUser;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.Names;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;

/**
 * The {@link UpgradeService} of a node: starting and aborting an upgrade are entries of the cluster log, in the
 * asking login's name (the cluster's ACL decides where they are applied); the rollout itself is each node's
 * {@link NodeUpgrader}, so it does not depend on the node that started it.
 */
public final class RollingUpgrades implements UpgradeService {

    private final ClusterNode node;

    public RollingUpgrades(ClusterNode node) {
        this.node = node;
    }

    @Override
    public UpgradeStatus start(String feature, int parallel, boolean dryRun) {
        return begin(feature, parallel, dryRun, false, null);
    }

    @Override
    public UpgradeStatus start(String feature, int parallel, boolean dryRun, String karName, byte[] kar,
                               byte[] signature) {
        Names.requirePrintable("the KAR's name", karName);
        if (kar.length > ClusterState.MAX_KAR_BYTES) {
            throw new GroupException(ReasonCode.UNKNOWN_FEATURE, karName + " has " + kar.length + " bytes; a KAR"
                    + " travels in one log entry of at most " + ClusterState.MAX_KAR_BYTES + " bytes");
        }
        Envelope.Kar k = new Envelope.Kar(karName, Envelope.Kar.sha256Of(kar), kar.clone(), signature.clone());
        String untrusted = KarTrust.refusal(k, node.trustedAuthorities());
        if (untrusted != null) {
            throw new GroupException(ReasonCode.NOT_AUTHORIZED, untrusted + "; nothing was sent");
        }
        return begin(feature, parallel, dryRun, false, k);
    }

    @Override
    public UpgradeStatus retire(String feature, int parallel, boolean dryRun) {
        return begin(feature, parallel, dryRun, true, null);
    }

    private UpgradeStatus begin(String feature, int parallel, boolean dryRun, boolean retire, Envelope.Kar kar) {
        Names.requirePrintable("the feature", feature);
        Envelope.Asker asker = CallingUser.current();
        String id = UUID.randomUUID().toString();
        refuseUnlessApplied(node.appendOperation(new Envelope.UpgradeStart(id, feature, parallel, dryRun, retire,
                node.localNode(), System.currentTimeMillis(), asker, kar), (retire ? "starting to retire " :
                "starting the upgrade to ") + feature + (kar == null ? "" : " from " + kar.name())));
        return status().orElseThrow();
    }

    @Override
    public Optional<UpgradeStatus> status() {
        return node.read(ClusterState::upgrade);
    }

    @Override
    public UpgradeStatus abort() {
        Envelope.Asker asker = CallingUser.current();
        UpgradeStatus running = status().filter(s -> !s.finished()).orElseThrow(() -> new GroupException(
                ReasonCode.UPGRADE_IN_PROGRESS, "no upgrade runs"));
        refuseUnlessApplied(node.appendOperation(new Envelope.UpgradeAbort(running.id(), node.localNode(),
                System.currentTimeMillis(), asker), "aborting the upgrade to " + running.feature()));
        return status().orElseThrow();
    }

    private static void refuseUnlessApplied(ClusterState.Result r) {
        if (!r.accepted()) {
            throw new GroupException(r.refused(), r.why());
        }
    }
}
