package org.cutover.api;

/** Status of a defined node. */
public enum NodeStatus {
    /** in the current view */
    ACTIVE,
    /** left the cluster in an orderly way (shutdown, stop) */
    INACTIVE,
    /** vanished without leaving: crash or network split */
    PARTITIONED
}
