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
 * answer it gives (its match, next or commit index moved); while it does not answer, a probe of one entry after a
 * backoff that doubles up to {@code maxBackoffNanos}. A follower that answers the probe gets the rest at once.
 */
final class ResendPacing {

    enum Step {
        /** RAFT's resend, as RAFT would make it */
        SEND,
        /** one entry only: the follower has not answered since the last send */
        PROBE,
        /** nothing: the follower has not answered, and the backoff has not passed */
        WAIT
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
            f.match = matchIndex;
            f.next = nextIndex;
            f.commit = commitIndex;
            f.sentAt = now;
            f.backoff = firstBackoffNanos;
            return Step.SEND;
        }
        if (now - f.sentAt < f.backoff) {
            return Step.WAIT;
        }
        f.sentAt = now;
        f.backoff = Math.min(maxBackoffNanos, f.backoff * 2);
        return Step.PROBE;
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
