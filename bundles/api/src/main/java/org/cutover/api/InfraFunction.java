package org.cutover.api;

/** Functions an infrastructure level offers to groups. */
public enum InfraFunction {
    /** totally ordered broadcast to every member (level 1 and up) */
    ORDERED_BROADCAST,
    /** a request in the group's order, answered by every member (level 2 and up) */
    REQUEST_ALL
}
