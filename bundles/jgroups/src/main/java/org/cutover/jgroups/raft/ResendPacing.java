package org.cutover.jgroups.raft;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.jgroups.Address;

/**
 * When the leader sends its idle-time resend to one follower (leader only, RAFT's processing thread).
 *
 * <p>RAFT 1.1.4 resends on every idle {@code resend_interval} (1 ms here) to each follower that lags, the whole
 * range from the follower's next index to the end of the log, whether or not the follower answered the last one.
 * To a follower that has gone silent but is still in the view that is the whole backlog again every millisecond,
 * each copy kept by UNICAST3 until the member is excluded. Here a follower gets what RAFT would send once for each
 * answer that acknowledges more; while it does not answer, a probe of one entry after a backoff that doubles up to
 * {@code maxBackoffNanos}. A follower that answers the probe gets the rest at once.
 *
 * <p>RAFT takes an answer's index as the follower states it (next index = that index + 1, even below what it
 * acknowledged; a conflicting term overwrites the match index) and resends a successful answer's range whole, so a
 * node with a valid certificate answered "appended up to 0" and "up to the end" by turns and got up to
 * {@code max_resend_bytes} resent per answer of about 100 bytes (ForgedAnswersTest). An honest
 * follower never names an index below one it acknowledged in the term ({@code CheckedRAFT.answered} logs it if it
 * does): such an answer is refused ({@link Step#STEPPED_BACK}: the leader puts back what it had accepted). And only
 * an answer that acknowledges more gets a whole resend: one that does not (a commit index, which a node could raise
 * by one in every answer) gets what a probe gets, so an answer never earns more than one entry beyond what the
 * follower acknowledged.
 */
final class ResendPacing {

    enum Step {
        /** RAFT's resend, as RAFT would make it */
        SEND,
        /** one entry only: the follower has not answered since the last send */
        PROBE,
        /** nothing: the follower has not answered, and the backoff has not passed */
        WAIT,
        /** nothing: the follower's answer named an index below one it acknowledged in this term; refused */
        STEPPED_BACK
    }

    private static final class Follower {
        long match = -1;
        long next = -1;
        long commit = -1;
        long sentAt;
        long backoff;
    }

    private final long firstBackoffNanos;
    private final long maxBackoffNanos;
    private final Map<Address, Follower> followers = new HashMap<>();

    ResendPacing(long firstBackoffNanos, long maxBackoffNanos) {
        if (firstBackoffNanos <= 0 || maxBackoffNanos < firstBackoffNanos) {
            throw new IllegalArgumentException("backoff " + firstBackoffNanos + ".." + maxBackoffNanos + " ns");
        }
        this.firstBackoffNanos = firstBackoffNanos;
        this.maxBackoffNanos = maxBackoffNanos;
    }

    /** the step for {@code member}, whose entry in the leader's commit table holds these indexes, at {@code now} */
    Step next(Address member, long matchIndex, long nextIndex, long commitIndex, long now) {
        Follower f = followers.computeIfAbsent(member, m -> new Follower());
        if (f.match != matchIndex || f.next != nextIndex || f.commit != commitIndex) {
            // f.match is what the follower acknowledged: a step back is never accepted, so it never falls
            if (f.match >= 0 && (matchIndex < f.match || nextIndex <= f.match)) {
                return Step.STEPPED_BACK; // f keeps what was accepted: the caller puts it back into the table
            }
            boolean more = matchIndex > f.match;
            f.match = matchIndex;
            f.next = nextIndex;
            f.commit = commitIndex;
            f.sentAt = now;
            f.backoff = firstBackoffNanos;
            // an answer that acknowledged nothing new (a commit index, a refusal): one entry, or a commit notice
            return more ? Step.SEND : Step.PROBE;
        }
        if (now - f.sentAt < f.backoff) {
            return Step.WAIT;
        }
        f.sentAt = now;
        f.backoff = Math.min(maxBackoffNanos, f.backoff * 2);
        return Step.PROBE;
    }

    /** the match index last accepted from {@code member}; -1 before its first */
    long acceptedMatch(Address member) {
        Follower f = followers.get(member);
        return f == null ? -1 : f.match;
    }

    /** the next index last accepted from {@code member}; -1 before its first */
    long acceptedNext(Address member) {
        Follower f = followers.get(member);
        return f == null ? -1 : f.next;
    }

    /** forgets followers that left the commit table */
    void retain(Collection<Address> members) {
        if (followers.size() > members.size()) {
            followers.keySet().retainAll(members);
        }
    }

    void clear() {
        followers.clear();
    }
}
