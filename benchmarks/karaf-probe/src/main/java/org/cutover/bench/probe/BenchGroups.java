package org.cutover.bench.probe;

import java.util.ArrayList;
import java.util.List;

import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;

/** This node's members of the bench groups {@code bench-0 .. bench-(N-1)}, one member per group. */
final class BenchGroups {

    static final String PREFIX = "bench-";

    private final GroupService groups;
    private final List<Group> joined = new ArrayList<>();
    private final GroupListener quiet = delivery -> { };

    BenchGroups(GroupService groups) {
        this.groups = groups;
    }

    /** joins or leaves until this node holds a member in exactly bench-0 .. bench-(count-1) */
    synchronized String hold(int count) {
        while (joined.size() < count) {
            joined.add(groups.join(PREFIX + joined.size(), quiet));
        }
        while (joined.size() > count) {
            joined.remove(joined.size() - 1).leave();
        }
        return "ok";
    }

    synchronized void leaveAll() {
        hold(0);
    }
}
