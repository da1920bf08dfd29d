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
}
