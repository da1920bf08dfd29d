package org.cutover.core.internal.wire;

import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Everything a node sends. All but the unicast kinds ({@link AdjustConfirm},
 * {@link Reply}, {@link GroupState}, {@link ForceVoters}) are entries of the cluster log: committed
 * by a majority and applied in log order on every node.
 */
public sealed interface Envelope {

    /** a group's level and epoch */
    record GroupVersion(String group, int level, long epoch) {
    }

    /**
     * A node announces itself after it has the cluster state: on connect and after a merge.
     * It carries its members (so a merge restores them) and its persisted group versions
     * (so after a full restart the highest epoch wins). It names exactly the node's members: others
     * of that node are dropped. A fresh hello (the node just started) also counts a new incarnation:
     * one above both the replica's and the highest the node itself knows ({@code incarnation}), because the two
     * can differ after the node spent its first moments in a view of its own and merged.
     */
    record Hello(String node, String uuid, String address, SortedSet<Integer> levels, Map<String, List<String>> members,
                 List<GroupVersion> groups, boolean fresh, long incarnation) implements Envelope {
    }

    /** the node's capability changed */
    record CapabilityChanged(String node, SortedSet<Integer> levels) implements Envelope {
    }

    /** the node leaves the cluster in an orderly way */
    record Goodbye(String node) implements Envelope {
    }

    /**
     * The log's leader turns its JGroups view into a log entry; members by address (UUID). Ordered by
     * (leader term, view id): an entry of a deposed leader that is committed late changes nothing.
     */
    record ViewChanged(long term, long viewId, List<String> uuids) implements Envelope {
    }

    /**
     * Who asked for an operation on the asking node: the Karaf (JAAS) user of the calling thread with the roles its
     * login gave, or {@link #NODE} (empty user) for code in the node that runs without a login. The cluster's ACL
     * is checked against it where the operation is applied, on every node alike.
     */
    record Asker(String user, List<String> roles) {
        public static final Asker NODE = new Asker("", List.of());

        public Asker {
            roles = List.copyOf(roles);
        }

        /** for the history: user@node, or the node alone */
        public String describe(String node) {
            return user.isEmpty() ? node : user + "@" + node;
        }
    }

    /** an operator drops a node from the defined nodes */
    record RemoveNode(String node, String requestedBy, Asker asker) implements Envelope {
        public RemoveNode(String node, String requestedBy) {
            this(node, requestedBy, Asker.NODE);
        }
    }

    record Join(String group, String member, String node) implements Envelope {
    }

    record Leave(String group, String member) implements Envelope {
    }

    /**
     * The ADJUST_VERSION membership change: applied only if every group is still at its from-epoch.
     * {@code cause} is empty when a user asked (the asker says who), or names what the node itself adjusts
     * for: {@value #AUTOMATIC}, or {@value #REVERT} followed by the check that failed. {@code revertable}: the
     * member nodes watch the groups' health checks after it and revert it if one turns critical.
     */
    record Adjust(String requestId, String requestedBy, int toLevel, List<GroupVersion> from, long sentAtMillis,
                  Asker asker, String cause, boolean revertable) implements Envelope {
        /** every defined node can run a higher level than the groups' and none of them is held */
        public static final String AUTOMATIC = "auto";
        /** a health check of the group turned critical after the adjust that brought it to its level */
        public static final String REVERT = "revert:";

        public Adjust(String requestId, String requestedBy, int toLevel, List<GroupVersion> from, long sentAtMillis,
                      Asker asker, String cause) {
            this(requestId, requestedBy, toLevel, from, sentAtMillis, asker, cause, false);
        }

        public Adjust(String requestId, String requestedBy, int toLevel, List<GroupVersion> from, long sentAtMillis,
                      Asker asker) {
            this(requestId, requestedBy, toLevel, from, sentAtMillis, asker, "");
        }

        public Adjust(String requestId, String requestedBy, int toLevel, List<GroupVersion> from, long sentAtMillis) {
            this(requestId, requestedBy, toLevel, from, sentAtMillis, Asker.NODE);
        }

        /** who asked, for the history: user@node, or the cause@node when the node adjusted by itself */
        public String askedBy() {
            if (cause.startsWith(REVERT)) {
                return "revert@" + requestedBy + " (" + cause.substring(REVERT.length()) + ")";
            }
            return cause.isEmpty() ? asker.describe(requestedBy) : cause + "@" + requestedBy;
        }
    }

    /** unicast to the asking node: this node, which hosts members of the adjusted groups, applied the adjust */
    record AdjustConfirm(String requestId, String node) implements Envelope {
    }

    /** the asking node reports how the adjust ended, for the replicated history */
    record AdjustDone(String requestId, long durationMicros, String outcome) implements Envelope {
    }

    /** a group message, encoded by the InfraProtocol of {@code level} */
    record GroupData(String group, String member, int level, Slice frame) implements Envelope {
    }

    /** unicast to the requesting node: one member's REPLY frame */
    record Reply(String group, String member, int level, Slice frame) implements Envelope {
    }

    /** unicast to a joiner's node: an existing member's state as of the join; state null if it keeps none */
    record GroupState(String group, String joiner, byte[] state) implements Envelope {
    }

    /**
     * Unicast from the node where an operator recovers a cluster that lost its majority for good, to every node in
     * its view: count these voters, so that they alone can elect a leader. Outside the log, which cannot commit
     * without the lost majority.
     */
    record ForceVoters(String requestedBy, List<String> voters) implements Envelope {
    }

    /**
     * The recovery, committed by the new voters once one of them leads: the defined nodes become the voters, on
     * every node, also when the log is replayed after a restart; the history records it.
     */
    record MajorityRecovered(String requestedBy, List<String> voters, long atMillis, Asker asker) implements Envelope {
        public MajorityRecovered(String requestedBy, List<String> voters, long atMillis) {
            this(requestedBy, voters, atMillis, Asker.NODE);
        }
    }

    /**
     * An operator makes a learner one of the log's voters: the entry is checked against the cluster's ACL and
     * recorded in the history first, and the asking node changes the voters only once it is applied.
     */
    record AddNode(String node, String requestedBy, long atMillis, Asker asker) implements Envelope {
    }

    /** an operator holds groups at their level, or releases them; no group named: every group */
    record Hold(List<String> groups, boolean held, String requestedBy, long atMillis, Asker asker)
            implements Envelope {
        public Hold {
            groups = List.copyOf(groups);
        }
    }

    /** the cluster's ACL: who may run {@code operation} from now on, replacing its roles */
    record SetAcl(String operation, List<String> roles, String requestedBy, long atMillis, Asker asker)
            implements Envelope {
        public SetAcl {
            roles = List.copyOf(roles);
        }
    }

    /**
     * An operator starts a cluster-wide upgrade: every defined node, in name order, installs {@code feature}
     * ({@code name/version}) when its turn comes, at most {@code parallel} at once, or uninstalls it
     * ({@code retire}); a dry run only simulates it.
     */
    record UpgradeStart(String id, String feature, int parallel, boolean dryRun, boolean retire, String requestedBy,
                        long atMillis, Asker asker, Kar kar) implements Envelope {
        /** an upgrade from the nodes' own system/ repositories */
        public UpgradeStart(String id, String feature, int parallel, boolean dryRun, boolean retire,
                            String requestedBy, long atMillis, Asker asker) {
            this(id, feature, parallel, dryRun, retire, requestedBy, atMillis, asker, null);
        }
    }

    /**
     * A KAR (Karaf archive) an upgrade brings: every node takes these bytes, checks them against {@code sha256}
     * (hex) and {@code signature} (by a CA the node trusts, over the bytes), and puts the feature repository they
     * hold into its own system/ before it installs the feature.
     */
    record Kar(String name, String sha256, byte[] bytes, byte[] signature) {
        public Kar {
            java.util.Objects.requireNonNull(name, "name");
            java.util.Objects.requireNonNull(sha256, "sha256");
            java.util.Objects.requireNonNull(bytes, "bytes");
            java.util.Objects.requireNonNull(signature, "signature");
        }

        /** a KAR without a signature: no node takes it (the tests of what does not look at signatures use it) */
        public Kar(String name, String sha256, byte[] bytes) {
            this(name, sha256, bytes, new byte[0]);
        }

        /** the SHA-256 of the bytes, in hex: what every node checks them against */
        public static String sha256Of(byte[] bytes) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(bytes));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("no SHA-256 in this JVM", e);
            }
        }

        @Override
        public String toString() {
            return "KAR " + name + " (" + bytes.length + " bytes, SHA-256 " + sha256 + ")";
        }
    }

    /**
     * A node reports its part of upgrade {@code id}: {@code phase} is a name of the API's
     * {@code UpgradeStatus.Phase} (INSTALLING, CAPABLE, SIMULATED, FAILED), {@code detail} says what it did or why
     * it failed. A node speaks only for itself.
     */
    record UpgradeProgress(String id, String node, String phase, String detail, long atMillis) implements Envelope {
    }

    /** an operator stops upgrade {@code id} where it is */
    record UpgradeAbort(String id, String requestedBy, long atMillis, Asker asker) implements Envelope {
    }

    /**
     * An operator revokes a node's certificate, named by the SHA-256 of its DER encoding (as {@code openssl x509
     * -fingerprint -sha256} prints it, without the colons): from this entry on no node applies an entry or takes a
     * unicast signed with it, and no node's TLS accepts it.
     */
    record RevokeCertificate(String node, String fingerprint, String requestedBy, long atMillis, Asker asker)
            implements Envelope {
    }

    /** a node of the pre-log format brings its adjust history (the snapshot's encoding of it), once */
    record ImportHistory(String node, byte[] history) implements Envelope {
    }
}
