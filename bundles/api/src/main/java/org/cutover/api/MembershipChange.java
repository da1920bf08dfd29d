package org.cutover.api;

import java.util.List;

/**
 * A change of a group's membership or of its infrastructure level, delivered
 * to every member at the same point of the group's ordered stream.
 *
 * @param reason      why the group changed
 * @param group       the group's name
 * @param members     the members that joined, left or failed; empty for {@link Reason#ADJUST_VERSION}
 * @param fromLevel   the group's level before the change
 * @param toLevel     the group's level after the change (equal to {@code fromLevel} unless adjusted)
 * @param epoch       the group's epoch after the change
 * @param requestedBy the node that asked for an adjust, or the node the change came from
 */
public record MembershipChange(Reason reason, String group, List<Member> members, int fromLevel, int toLevel,
                               long epoch, String requestedBy) {

    public MembershipChange {
        members = List.copyOf(members);
    }

    /** Reason codes carried by a membership change. */
    public enum Reason {
        /** a member joined the group */
        JOIN,
        /** a member left the group in an orderly way */
        LEAVE,
        /** a member's node vanished from the view without leaving */
        FAILURE,
        /** the group's infrastructure level was switched */
        ADJUST_VERSION,
        /** a member left because its node can no longer run the group's level */
        NODE_INCAPABLE
    }
}
