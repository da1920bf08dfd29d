package org.cutover.example.internal;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.cutover.api.Member;

/**
 * Every member's digest of its map, all taken at the same point of the
 * group's order (the point where the request was delivered).
 *
 * @param level       the group's level when the request was sent
 * @param epoch       the group's epoch when the request was sent
 * @param digests     each answering member's digest, by member
 * @param unreadable  members whose reply was not a digest, with why
 * @param timedOut    members that did not answer in time
 */
public record VerifyReport(int level, long epoch, Map<Member, MapDigest> digests, Map<Member, String> unreadable,
                           Set<Member> timedOut) {

    public VerifyReport {
        digests = new TreeMap<>(digests);
        unreadable = new TreeMap<>(unreadable);
        timedOut = new TreeSet<>(timedOut);
    }

    /** every member answered, all answers are the same digest, and it is not the digest of an empty map */
    public boolean agreed() {
        return allAnswered() && digests.values().stream().distinct().count() == 1 && !allEmpty();
    }

    /** every member answered that its map is empty: there was nothing to compare */
    public boolean allEmpty() {
        return allAnswered() && digests.values().stream().allMatch(d -> d.entries() == 0);
    }

    private boolean allAnswered() {
        return timedOut.isEmpty() && unreadable.isEmpty() && !digests.isEmpty();
    }
}
