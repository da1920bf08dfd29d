package org.cutover.api;

import java.util.List;
import java.util.Optional;

/** Joins groups on this node and shows every group of the cluster. */
public interface GroupService {

    /**
     * Joins the group (creating it when it does not exist), and returns once
     * the join has been delivered in the cluster's order: the member knows the
     * group's current level and epoch before its first message.
     *
     * @throws GroupException NODE_INCAPABLE if this node cannot run the group's current level
     */
    Group join(String group, GroupListener listener);

    /** every group of the cluster, sorted by name */
    List<GroupInfo> groups();

    Optional<GroupInfo> group(String name);
}
