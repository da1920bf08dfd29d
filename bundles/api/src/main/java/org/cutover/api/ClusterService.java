package org.cutover.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** The cluster as seen from this node: the defined nodes and their capabilities. */
@ProviderType
public interface ClusterService {

    /** OSGi event topic posted when any node's capability changes */
    String TOPIC_CAPABILITY_CHANGED = "org/cutover/node/CAPABILITY_CHANGED";

    /** this node's name */
    String localNode();

    /** every defined node, sorted by name */
    List<DefinedNode> definedNodes();

    Optional<DefinedNode> definedNode(String name);

    /**
     * Drops a node from the defined nodes for good, in the cluster's order.
     *
     * @throws GroupException if the node is unknown or is active
     */
    void removeNode(String name);

    /**
     * The nodes that vote in the cluster log, sorted by name: an entry is committed once a majority of them has
     * it. A defined node that is not among them (it started without being named in {@code cluster.members})
     * follows the log as a learner until it is added.
     */
    List<String> voters();

    /**
     * Makes a running node that follows the log as a learner one of its voters, in the cluster's order. From
     * then on the majority counts it.
     *
     * @return false if the node already votes
     * @throws GroupException if no running node of that name is in the cluster ({@code UNKNOWN_NODE}), or
     *                        no majority is reachable ({@code GROUP_PARTITIONED})
     */
    boolean addNode(String name);

    /**
     * Recovers a cluster that has lost the majority of its voters for good: the voters in this node's view become
     * the only voters and defined nodes, a leader is elected among them, and the recovery is recorded in the
     * history. Forced: entries that only the lost nodes held are gone for good.
     *
     * @return the new voters
     * @throws GroupException {@code NODE_ACTIVE} while a leader exists or this node's view holds a majority of the
     *                        voters (nothing to recover), {@code UNKNOWN_NODE} if this node is not a voter,
     *                        {@code NOT_CONNECTED} if no leader was elected in time
     */
    List<String> recoverMajority();

    /**
     * Holds groups at their level, or releases them, in the cluster's order: a held group is not adjusted
     * automatically (an operator's adjust still moves it), so a downgrade stays possible; whatever lowers a
     * group's level holds it too. The history records who did it; ruled by the cluster's ACL (operation
     * {@code hold}).
     *
     * @param groups the groups; none for every group
     * @throws GroupException {@code UNKNOWN_GROUP}, {@code NOT_AUTHORIZED}, {@code GROUP_PARTITIONED}
     */
    void hold(boolean held, List<String> groups);

    /** this node's view of the cluster log: whether it is in the primary component, and how far it has applied */
    LogStatus logStatus();

    /**
     * Why this node stopped following the cluster log and closed, or empty while it follows it. An Error inside a
     * log entry (an {@code OutOfMemoryError}, one out of another bundle's code) may have left this node's copy of
     * the cluster's state without the rest of the entry; the node then stops instead of going on, and every call
     * on it fails with {@code NOT_CONNECTED}. A restart replays its log.
     *
     * @since 1.7
     */
    default java.util.Optional<String> stoppedBecause() {
        return java.util.Optional.empty();
    }

    /**
     * The cluster's ACL, the same on every node: each cluster operation ({@code adjust}, {@code node-add},
     * {@code node-remove}, {@code majority-recover}, {@code acl-set}) with the roles that may run it. Every node
     * checks each operation against it where the operation is applied, with the user and roles of the login that
     * asked on the asking node. Code that runs in a node without a login may run every operation.
     *
     * @return operation → roles, in that order
     */
    Map<String, List<String>> acl();

    /**
     * Replaces the roles that may run one cluster operation, in the cluster's order; the history records who did
     * it. Ruled by the ACL itself (operation {@code acl-set}).
     *
     * @throws GroupException {@code NOT_AUTHORIZED} if the caller's roles may not set the ACL, {@code INVALID_ACL}
     *                        for an unknown operation or an empty or unprintable role, {@code GROUP_PARTITIONED}
     *                        without a majority
     */
    void setAcl(String operation, List<String> roles);

    /**
     * Revokes a node's certificate, in the cluster's order: the one the cluster state holds for the node (its latest
     * log entry was signed with it). From that point of the log every node refuses entries and messages signed
     * with it, and its TLS refuses it, so the node is cut off until it has a new certificate. For a stolen or leaked
     * node key; ruled by the ACL (operation {@code cert-revoke}); the history records who did it.
     *
     * @return the revoked certificate's SHA-256 fingerprint (of its DER encoding, hex)
     * @throws GroupException {@code UNKNOWN_NODE} if the cluster holds no certificate of the node,
     *                        {@code NOT_AUTHORIZED} if the caller's roles may not revoke, {@code GROUP_PARTITIONED}
     *                        without a majority
     * @since 1.6
     */
    String revokeCertificate(String node);

    /**
     * The revoked certificates, the same on every node once it has applied the same log.
     *
     * @return SHA-256 fingerprint → the node it was issued to, sorted by fingerprint
     * @since 1.6
     */
    Map<String, String> revokedCertificates();
}
