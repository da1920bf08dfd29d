package org.cutover.api;

import java.util.Map;
import java.util.Set;

/**
 * What a request to all members brought back.
 *
 * @param replies  each answering member's reply
 * @param timedOut members that were in the group when the request was delivered but did not answer in time
 */
public record RequestResult(Map<Member, byte[]> replies, Set<Member> timedOut) {
    public RequestResult {
        replies = Map.copyOf(replies);
        timedOut = Set.copyOf(timedOut);
    }

    public boolean complete() {
        return timedOut.isEmpty();
    }
}
