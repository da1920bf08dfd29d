package org.cutover.shell.internal;

import java.util.List;
import java.util.Optional;

import org.cutover.api.Group;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;

/** A fixed list of groups; the shell never joins one. */
final class FakeGroupService implements GroupService {

    private final List<GroupInfo> groups;

    FakeGroupService(GroupInfo... groups) {
        this.groups = List.of(groups);
    }

    @Override
    public Group join(String group, GroupListener listener) {
        throw new AssertionError("the shell does not join groups");
    }

    @Override
    public List<GroupInfo> groups() {
        return groups;
    }

    @Override
    public Optional<GroupInfo> group(String name) {
        return groups.stream().filter(group -> group.name().equals(name)).findFirst();
    }
}
