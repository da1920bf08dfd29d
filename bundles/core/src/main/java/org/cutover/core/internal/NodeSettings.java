package org.cutover.core.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a node needs to start, whatever configured it.
 *
 * @param nodeName       this node's name, unique in the cluster
 * @param clusterName    the JGroups cluster name
 * @param stateFile      where the replicated state is persisted
 * @param syncTimeout    how long a joining node waits for the cluster state before it asks again
 * @param opTimeout      how long a join, a leave or the delivery of an adjust may take
 * @param confirmTimeout how long an adjust waits for every member's confirmation
 */
public record NodeSettings(String nodeName, String clusterName, Path stateFile, Duration syncTimeout,
                           Duration opTimeout, Duration confirmTimeout) {
    public NodeSettings {
        Objects.requireNonNull(nodeName, "nodeName");
        if (nodeName.isBlank() || nodeName.contains("#")) {
            throw new IllegalArgumentException("node.name '" + nodeName + "' must be non-empty and hold no '#'");
        }
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(stateFile, "stateFile");
    }

    public static NodeSettings of(String nodeName, String clusterName, Path stateFile) {
        return new NodeSettings(nodeName, clusterName, stateFile, Duration.ofSeconds(3), Duration.ofSeconds(10),
                Duration.ofSeconds(10));
    }
}
