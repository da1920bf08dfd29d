package org.cutover.api;

import java.util.List;
import java.util.Optional;

/** The cluster as seen from this node: the defined nodes and their capabilities. */
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
}
