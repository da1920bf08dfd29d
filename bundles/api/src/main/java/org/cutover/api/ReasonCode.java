package org.cutover.api;

/** Why a version check, an adjust, a join or a change of the defined nodes was refused. */
public enum ReasonCode {
    /** a defined node is not in the view (it left or was stopped) */
    NODE_INACTIVE,
    /** a defined node vanished without leaving, or the view lacks a majority of the defined nodes */
    GROUP_PARTITIONED,
    /** a node cannot run the level asked for */
    NODE_INCAPABLE,
    /** no such group */
    UNKNOWN_GROUP,
    /** the group already runs the level asked for */
    ALREADY_AT_LEVEL,
    /** the level asked for is below the current one and a downgrade was not asked for, or not possible */
    DOWNGRADE_REFUSED,
    /** the level asked for is not a level (zero or negative) */
    INVALID_LEVEL,
    /** another adjust changed the group's epoch first; nothing was applied */
    CONCURRENT_ADJUST,
    /** the group's level lacks the function asked for */
    FUNCTION_UNAVAILABLE,
    /** no defined node has that name */
    UNKNOWN_NODE,
    /** the node is active: it cannot be removed from the defined nodes */
    NODE_ACTIVE,
    /** this node has not yet joined the cluster or learnt its state */
    NOT_CONNECTED,
    /** the user who asked has none of the roles the cluster's ACL requires for the operation */
    NOT_AUTHORIZED,
    /** an ACL rule that names no known cluster operation, or no valid role */
    INVALID_ACL,
    /** a cluster-wide upgrade runs already (one at a time), or none runs to abort */
    UPGRADE_IN_PROGRESS,
    /** the feature to upgrade to is not a {@code name/version} this node can read */
    UNKNOWN_FEATURE
}
