package org.cutover.api;

/**
 * Receives a group's ordered messages and membership changes. Calls are made
 * one at a time, in the group's total order, from Cutover's delivery thread:
 * a listener must not block.
 */
public interface GroupListener {

    void onMessage(Delivery delivery);

    default void onMembershipChange(MembershipChange change) {
    }

    /**
     * Answers a request sent with {@link Group#request}; needs level 2.
     *
     * @return the reply's bytes
     */
    default byte[] onRequest(Delivery request) {
        return new byte[0];
    }

    /**
     * The member's application state, for a member that joins the group now.
     * Called on one existing member, at the joiner's position in the order, so
     * the state is exactly what the joiner would have built from the messages
     * before it.
     *
     * @return the state, or null if this listener keeps none
     */
    default byte[] stateForJoiner() {
        return null;
    }

    /**
     * Called on a joining member, before its first message, with the state an
     * existing member gave at the join's position; not called when the group
     * was empty or the existing member keeps no state.
     */
    default void restoreState(byte[] state) {
    }
}
