package org.cutover.core.internal.jmx;

/** {@code org.cutover:type=Node}: this node in the cluster, read-only. */
public interface NodeMBean {

    String getName();

    /** this node's status as it sees itself: ACTIVE, PARTITIONED … */
    String getStatus();

    /** whether this node sees a leader of the cluster log, i.e. can commit */
    boolean isInPrimaryComponent();

    /** the defined nodes in this node's JGroups view */
    String[] getView();

    /** the log's leader as this node knows it, empty if none */
    String getLeader();

    long getCommitIndex();

    long getAppliedIndex();

    /** committed entries this node has not applied yet */
    long getApplyLag();

    /** the infrastructure levels this node runs */
    int[] getLevels();

    /** every defined node: name, status, levels, and whether it votes */
    String[] getDefinedNodes();

    String[] getVoters();

    /** the certificates the cluster revoked, "NODE SHA-256-FINGERPRINT" each, sorted by fingerprint */
    String[] getRevokedCertificates();
}
