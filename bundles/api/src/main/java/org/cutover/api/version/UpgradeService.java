package org.cutover.api.version;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A cluster-wide rolling install of an infrastructure feature, driven by the cluster log: one entry starts it, each
 * node installs from its own {@code system/} repository when its turn comes (the nodes before it capable) and
 * reports its progress in the log, so the rollout goes on if the node that started it is gone, and every node sees
 * the same progress. Once every node can run the feature's levels, the automatic adjust raises the groups that are
 * not held. One upgrade runs at a time; ruled by the cluster's ACL (operation {@code upgrade}).
 */
@ProviderType
public interface UpgradeService {

    /**
     * Starts rolling {@code feature} out to every defined node, in name order.
     *
     * @param feature  {@code name/version}, e.g. {@code cutover-infra/2.0.0}
     * @param parallel how many nodes may install at once (1: one after the other)
     * @param dryRun   every node only simulates the install (Karaf's resolver, nothing changes) and reports what it
     *                 would do or why it cannot
     * @return the upgrade as the log applied it
     * @throws org.cutover.api.GroupException {@code UPGRADE_IN_PROGRESS}, {@code UNKNOWN_FEATURE},
     *                                        {@code NOT_AUTHORIZED}, {@code GROUP_PARTITIONED}
     */
    UpgradeStatus start(String feature, int parallel, boolean dryRun);

    /**
     * As {@link #start}, for a feature no node has yet: its repository comes in a KAR (Karaf archive) that goes to
     * every node through the cluster log, as these bytes with their SHA-256. Each node checks them, puts the
     * repository's artifacts into its own {@code system/} and registers its feature repository when its turn
     * comes, then installs the feature as {@link #start} does; a node that joins later takes the same bytes. A dry
     * run checks the KAR and the feature's requirements on every node, and changes nothing. Every node checks the
     * bytes against their SHA-256 and the signature against the CAs it trusts before it writes anything.
     *
     * @param karName   the KAR's name, for the reports (its file name)
     * @param kar       the KAR's bytes
     * @param signature the signature of the KAR's bytes by the key of a CA the nodes trust (the cluster CA:
     *                  {@code bin/cutover-certs sign CA_DIR FILE}); a node takes no KAR without it
     * @throws org.cutover.api.GroupException as {@link #start}; {@code UNKNOWN_FEATURE} when the KAR is too large,
     *                                        {@code NOT_AUTHORIZED} when no CA this node trusts signed it
     * @since 1.4
     */
    UpgradeStatus start(String feature, int parallel, boolean dryRun, String karName, byte[] kar, byte[] signature);

    /**
     * Uninstalls an old infrastructure feature from every defined node, rolled out as {@link #start}: each node
     * refuses (FAILED, naming the groups) to take away a level that a group runs and no other bundle of the node
     * serves, so the first node stops it before anything is removed anywhere.
     *
     * @param feature {@code name/version}, e.g. {@code cutover-infra/1.0.0}
     */
    UpgradeStatus retire(String feature, int parallel, boolean dryRun);

    /** the running upgrade, or the last one, as this node has applied it */
    Optional<UpgradeStatus> status();

    /**
     * Stops the running upgrade where it is: no node starts installing after this; a node installing now finishes
     * and reports. Nodes already upgraded keep both infrastructures side by side, so the groups keep their level.
     *
     * @throws org.cutover.api.GroupException {@code UPGRADE_IN_PROGRESS} when none runs, {@code NOT_AUTHORIZED}
     */
    UpgradeStatus abort();
}
