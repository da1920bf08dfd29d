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
 */
public record GroupInfo(String name, int level, int potentialLevel, long epoch, List<Member> members) {
    public GroupInfo {
        members = List.copyOf(members);
    }
}
