package org.cutover.core.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.cutover.api.GroupException;
import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;

/**
 * Collects the replies to one request-to-all-members. The members expected
 * are those in the group when the request is delivered at the asking node:
 * the same point of the order at which every member answers it.
 */
final class RequestTracker {
    final CompletableFuture<RequestResult> future = new CompletableFuture<>();
    private final Map<Member, byte[]> replies = new HashMap<>();
    private Set<Member> expected;

    synchronized void expect(List<Member> members) {
        expected = new HashSet<>(members);
        completeIfDone();
    }

    synchronized void reply(Member member, byte[] payload) {
        replies.putIfAbsent(member, payload);
        completeIfDone();
    }

    synchronized void timeOut() {
        if (expected == null) {
            future.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED,
                    "the request was not delivered in the group's order in time"));
            return;
        }
        Set<Member> missing = new HashSet<>(expected == null ? Set.of() : expected);
        missing.removeAll(replies.keySet());
        future.complete(new RequestResult(answered(), missing));
    }

    private void completeIfDone() {
        if (expected != null && replies.keySet().containsAll(expected)) {
            future.complete(new RequestResult(answered(), Set.of()));
        }
    }

    private Map<Member, byte[]> answered() {
        Map<Member, byte[]> answered = new HashMap<>(replies);
        if (expected != null) {
            answered.keySet().retainAll(expected);
        }
        return answered;
    }
}
