package org.cutover.core.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a node needs to start, whatever configured it.
 *
 * @param nodeName       this node's name, unique in the cluster; also its id in the cluster log
 * @param clusterName    the JGroups cluster name
 * @param members        the nodes that make up a new cluster's log (its voters); a majority of them must be up
 *                       for anything to be committed. Only read when this node's log is empty: after that the log
 *                       holds the membership. A node not named here starts as a learner: it follows the log
 *                       but does not vote until it is added
 * @param logDir         where the cluster log and its snapshots live
 * @param fsync          whether every appended log entry is forced to disk before it counts (else the page cache)
 * @param legacyState    a state file of the pre-log format to import once (levels, epochs), if it exists
 * @param opTimeout      how long a join, a leave, a send or the commit of an adjust may take
 * @param confirmTimeout how long an adjust waits for every member's confirmation
 * @param logCompactBytes the log is cut into a snapshot above this size once every node in view has it all;
 *                       at 16 times this size RAFT cuts it anyway (a node behind then loses its members)
 * @param logCheckpointEntries every this many log entries the node writes its replica beside the log, and a
 *                       restart replays only the entries after it; 0: none (a restart replays from the snapshot)
 * @param logBatchGap    a small batch of group data sent with sendAsync goes no sooner than this after the node's
 *                       previous log entry, with what came meanwhile (fewer, fuller entries); 0: at once
 */
public record NodeSettings(String nodeName, String clusterName, List<String> members, Path logDir, boolean fsync,
                           Path legacyState, Duration opTimeout, Duration confirmTimeout, long logCompactBytes,
                           int logCheckpointEntries, Duration logBatchGap) {

    /** 64 MB: the figure the spike ran with */
    public static final long DEFAULT_LOG_COMPACT_BYTES = 64L << 20;
    /** a restart replays at most about this many entries: 0.8-0.9 s at 75-90 µs each (2026-12-05) */
    public static final int DEFAULT_LOG_CHECKPOINT_ENTRIES = 10_000;
    /**
     * At 2 % and 10 % of the maximum (1 KB, 3 nodes in one JVM) half the entries and 18-28 % less CPU than 0,
     * for a message applied up to 0.9 ms later (p50); 3 ms gained little more (2026-12-05)
     */
    public static final Duration DEFAULT_LOG_BATCH_GAP = Duration.ofMillis(2);
    /** a gap of seconds would hold every sendAsync that long: surely a unit mistaken */
    public static final Duration MAX_LOG_BATCH_GAP = Duration.ofMillis(1000);

    public NodeSettings(String nodeName, String clusterName, List<String> members, Path logDir, boolean fsync,
                        Path legacyState, Duration opTimeout, Duration confirmTimeout) {
        this(nodeName, clusterName, members, logDir, fsync, legacyState, opTimeout, confirmTimeout,
                DEFAULT_LOG_COMPACT_BYTES);
    }

    public NodeSettings(String nodeName, String clusterName, List<String> members, Path logDir, boolean fsync,
                        Path legacyState, Duration opTimeout, Duration confirmTimeout, long logCompactBytes) {
        this(nodeName, clusterName, members, logDir, fsync, legacyState, opTimeout, confirmTimeout, logCompactBytes,
                DEFAULT_LOG_CHECKPOINT_ENTRIES);
    }

    public NodeSettings(String nodeName, String clusterName, List<String> members, Path logDir, boolean fsync,
                        Path legacyState, Duration opTimeout, Duration confirmTimeout, long logCompactBytes,
                        int logCheckpointEntries) {
        this(nodeName, clusterName, members, logDir, fsync, legacyState, opTimeout, confirmTimeout, logCompactBytes,
                logCheckpointEntries, DEFAULT_LOG_BATCH_GAP);
    }

    public NodeSettings {
        Objects.requireNonNull(nodeName, "nodeName");
        if (nodeName.isBlank() || nodeName.contains("#") || nodeName.contains(",")) {
            throw new IllegalArgumentException("node.name '" + nodeName + "' must be non-empty and hold no '#' or ','");
        }
        Names.requirePrintable("node.name", nodeName);
        Objects.requireNonNull(clusterName, "clusterName");
        members = List.copyOf(members.isEmpty() ? List.of(nodeName) : members);
        members.forEach(m -> Names.requirePrintable("a name in cluster.members", m));
        Objects.requireNonNull(logDir, "logDir");
        Objects.requireNonNull(legacyState, "legacyState");
        if (logCompactBytes <= 0) {
            throw new IllegalArgumentException("logCompactBytes must be positive, not " + logCompactBytes);
        }
        if (logCheckpointEntries < 0) {
            throw new IllegalArgumentException("log.checkpoint.entries must be 0 or more, not " + logCheckpointEntries);
        }
        Objects.requireNonNull(logBatchGap, "logBatchGap");
        if (logBatchGap.isNegative() || logBatchGap.compareTo(MAX_LOG_BATCH_GAP) > 0) {
            throw new IllegalArgumentException("log.batch.gap.ms must be 0 to " + MAX_LOG_BATCH_GAP.toMillis()
                    + ", not " + logBatchGap.toMillis());
        }
    }
}
