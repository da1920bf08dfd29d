package org.cutover.api;

import java.util.List;

/**
 * A group as the replicated state knows it.
 *
 * @param name           the group's name
 * @param level          its current level
 * @param potentialLevel the highest level every defined node can run (0 if there is none)
 * @param epoch          increases by one with every adjust
 * @param members        the members in join order
 * @param held           an operator holds it at its level ({@link ClusterService#hold}), or a downgrade did: no
 *                       automatic adjust moves it
 */
public record GroupInfo(String name, int level, int potentialLevel, long epoch, List<Member> members,
                        boolean held) {
    public GroupInfo {
        members = List.copyOf(members);
    }

    /** a group nobody holds */
    public GroupInfo(String name, int level, int potentialLevel, long epoch, List<Member> members) {
        this(name, level, potentialLevel, epoch, members, false);
    }
}
