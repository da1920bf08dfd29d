package org.cutover.example.internal;

/**
 * One node's view of the store.
 *
 * @param member     this node's member id in the group, or null before the join
 * @param joinStatus null once joined, else why not (yet)
 * @param level      the group's current level (0 before the join)
 * @param epoch      the group's epoch (0 before the join)
 * @param members    members of the group right now
 * @param sent       writes this member has sent
 * @param entries    keys in this member's map
 * @param counters   what the map applied and what the writes' counters revealed
 * @param load       the background loader's progress
 * @param acknowledged per member this store has been (it joins again after a removal), its highest counter whose
 *                     send was acknowledged
 * @param inDoubt    per member this store has been, the counters of writes whose send failed without a definite
 *                   answer (they may have been applied)
 * @param delivered  per sender, the highest counter this member's map has delivered
 * @param missing    per sender, the counters this member's map skipped (counted as lost)
 */
public record KvStats(String member, String joinStatus, int level, long epoch, int members, long sent, int entries,
                      ApplyCounters counters, LoadProgress load, java.util.SortedMap<String, Long> acknowledged,
                      java.util.SortedMap<String, java.util.SortedSet<Long>> inDoubt,
                      java.util.SortedMap<String, Long> delivered,
                      java.util.SortedMap<String, java.util.SortedSet<Long>> missing) {

    public boolean joined() {
        return joinStatus == null;
    }
}
