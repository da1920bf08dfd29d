package org.cutover.api;

import java.util.SortedSet;

/**
 * A node of the cluster's persistent node list.
 *
 * @param name    the node's name ({@code node.name})
 * @param status  ACTIVE, INACTIVE or PARTITIONED
 * @param address the node's last known cluster address
 * @param levels  the infrastructure levels it can run (its capability), as last announced
 */
public record DefinedNode(String name, NodeStatus status, String address, SortedSet<Integer> levels) {

    public boolean canRun(int level) {
        return levels.contains(level);
    }
}
