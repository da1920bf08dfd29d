package org.cutover.core.internal.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The order invariant of one replicated log: every member of a group delivers
 * the same entries (messages, joins, leaves, failures, level changes) in the
 * same order. Pure: it compares recorded logs (see {@link DeliveryLog}).
 *
 * <p>Per group it builds one common sequence: the longest log, extended by the
 * others where they reach before or beyond it (a log that shares no entry with
 * it is placed by its messages' log positions). Then every member's log must
 * equal the stretch of the common sequence that starts where its first entry
 * sits, entry by entry, to its last entry, its messages' log positions
 * strictly increasing; a member that was still in the group
 * when the run ended must reach the end of the common sequence. A member may
 * start late and a member that left may stop early; nothing may be missing,
 * duplicated, reordered or different in between. Where logs disagree the
 * longest wins the common sequence, so a fault shows as a mismatch of the other
 * logs. A member that lost its very first entries cannot be told from one that
 * joined later.
 */
public final class OrderInvariant {

    private OrderInvariant() {
    }

    /** what an entry is */
    public enum Kind {
        MESSAGE, JOIN, LEAVE, FAILURE, NODE_INCAPABLE, ADJUST_VERSION
    }

    /** no log position: membership changes carry none */
    public static final long NO_POSITION = -1;

    /**
     * One delivered entry.
     *
     * @param kind     a message or which membership change
     * @param what     a message's sender and own id ({@code n1#2:17}); a change's members, or its levels and epoch
     * @param position a message's position in the cluster log, or {@link #NO_POSITION}
     */
    public record Entry(Kind kind, String what, long position) {

        public Entry {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(what, "what");
        }

        public static Entry message(String sender, String id, long position) {
            return new Entry(Kind.MESSAGE, sender + ":" + id, position);
        }

        /** a join, leave, failure or node-incapable change of these member ids */
        public static Entry change(Kind kind, List<String> members) {
            if (kind == Kind.MESSAGE || kind == Kind.ADJUST_VERSION) {
                throw new IllegalArgumentException(kind + " is not a membership change");
            }
            return new Entry(kind, String.join(",", members.stream().sorted().toList()), NO_POSITION);
        }

        public static Entry adjust(int fromLevel, int toLevel, long epoch) {
            return new Entry(Kind.ADJUST_VERSION, fromLevel + "->" + toLevel + " epoch " + epoch, NO_POSITION);
        }

        /** the entry without its position: the same message at another position is still that message */
        String identity() {
            return kind + " " + what;
        }

        @Override
        public String toString() {
            return kind + " " + what + (position == NO_POSITION ? "" : " @" + position);
        }
    }

    /**
     * One member's whole delivery log of one group.
     *
     * @param member        the member's id
     * @param group         the group
     * @param entries       what it delivered, in delivery order
     * @param stillMember   true if it was in the group when the run ended: then its log must reach the common end
     */
    public record MemberLog(String member, String group, List<Entry> entries, boolean stillMember) {

        public MemberLog {
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(group, "group");
            entries = List.copyOf(entries);
        }
    }

    /**
     * @param compared   entries compared against the common sequence, over every member
     * @param mismatches one line per member whose log departs from the common sequence (at its first departure)
     */
    public record Report(long compared, List<String> mismatches) {

        public Report {
            mismatches = List.copyOf(mismatches);
        }

        public String firstMismatch() {
            return mismatches.isEmpty() ? null : mismatches.get(0);
        }

        @Override
        public String toString() {
            return "orders compared " + compared + ", order mismatches " + mismatches.size()
                    + (mismatches.isEmpty() ? "" : " (first: " + firstMismatch() + ")");
        }
    }

    public static Report check(Collection<MemberLog> logs) {
        Map<String, List<MemberLog>> byGroup = new LinkedHashMap<>();
        logs.stream().sorted(Comparator.comparing(MemberLog::group).thenComparing(MemberLog::member))
                .forEach(l -> byGroup.computeIfAbsent(l.group(), g -> new ArrayList<>()).add(l));
        long compared = 0;
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, List<MemberLog>> g : byGroup.entrySet()) {
            List<Entry> common = commonSequence(g.getValue());
            Map<String, Integer> index = indexOf(common);
            for (MemberLog log : g.getValue()) {
                compared += compare(g.getKey(), log, common, index, mismatches);
            }
        }
        return new Report(compared, mismatches);
    }

    /**
     * The same invariant for logs whose messages all carry their log position (the cluster log's): stronger, and
     * free of {@link #check}'s chaining (a member whose lifetime shares no entry with the longest log could not be
     * placed there, and showed as a mismatch although its log was right). Per group: one message per position
     * and one position per message over every log; each log's positions strictly increasing with none of the
     * group's missing between its first and last; the membership changes and level changes between two
     * consecutive messages equal in every log that holds both messages; a log that starts (ends) between two
     * messages holds a tail (head) of that list; a member still in the group at the end holds the group's last
     * message.
     */
    public static Report checkByPosition(Collection<MemberLog> logs) {
        Map<String, List<MemberLog>> byGroup = new LinkedHashMap<>();
        logs.stream().sorted(Comparator.comparing(MemberLog::group).thenComparing(MemberLog::member))
                .forEach(l -> byGroup.computeIfAbsent(l.group(), g -> new ArrayList<>()).add(l));
        long compared = 0;
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, List<MemberLog>> g : byGroup.entrySet()) {
            compared += checkGroupByPosition(g.getKey(), g.getValue(), mismatches);
        }
        return new Report(compared, mismatches);
    }

    private static long checkGroupByPosition(String group, List<MemberLog> logs, List<String> mismatches) {
        java.util.TreeMap<Long, String> messageAt = new java.util.TreeMap<>();
        Map<String, Long> positionOf = new HashMap<>();
        long compared = 0;
        for (MemberLog log : logs) {
            for (Entry e : log.entries()) {
                compared++;
                if (e.kind() != Kind.MESSAGE) {
                    continue;
                }
                if (e.position() == NO_POSITION) {
                    mismatches.add("group " + group + ", member " + log.member() + ": " + e + " has no log position");
                    return compared;
                }
                String seen = messageAt.putIfAbsent(e.position(), e.what());
                if (seen != null && !seen.equals(e.what())) {
                    mismatches.add("group " + group + ", member " + log.member() + ": at position " + e.position()
                            + " " + e.what() + ", elsewhere " + seen);
                }
                Long at = positionOf.putIfAbsent(e.what(), e.position());
                if (at != null && at != e.position()) {
                    mismatches.add("group " + group + ", member " + log.member() + ": " + e.what() + " at "
                            + e.position() + " and elsewhere at " + at);
                }
            }
        }
        // the changes between two consecutive messages, as each log shows them
        Map<Long, List<String>> between = new HashMap<>(); // keyed by the earlier message's position
        Map<Long, String> firstSeenBy = new HashMap<>();
        List<Object[]> heads = new ArrayList<>(); // {member, next position, changes}: a log's start before a message
        List<Object[]> tails = new ArrayList<>(); // {member, last position, changes}: a log's end after a message
        for (MemberLog log : logs) {
            String where = "group " + group + ", member " + log.member() + ": ";
            Long prev = null;
            List<String> changes = new ArrayList<>();
            for (Entry e : withoutOwnDeparture(log)) {
                if (e.kind() != Kind.MESSAGE) {
                    changes.add(e.identity());
                    continue;
                }
                long p = e.position();
                if (prev == null) {
                    heads.add(new Object[] {log.member(), p, changes});
                } else {
                    if (p <= prev) {
                        mismatches.add(where + e + " after position " + prev);
                        break;
                    }
                    Long expectedNext = messageAt.higherKey(prev);
                    if (expectedNext != null && expectedNext != p) {
                        mismatches.add(where + "after position " + prev + " expected " + messageAt.get(expectedNext)
                                + " @" + expectedNext + ", seen " + e);
                        break;
                    }
                    List<String> known = between.putIfAbsent(prev, changes);
                    if (known == null) {
                        firstSeenBy.put(prev, log.member());
                    } else if (!known.equals(changes)) {
                        mismatches.add(where + "between @" + prev + " and @" + p + " saw " + changes + ", "
                                + firstSeenBy.get(prev) + " saw " + known);
                    }
                }
                prev = p;
                changes = new ArrayList<>();
            }
            if (prev == null) {
                heads.add(new Object[] {log.member(), null, changes});
            } else {
                tails.add(new Object[] {log.member(), prev, changes});
                if (log.stillMember() && prev < messageAt.lastKey()) {
                    mismatches.add(where + "still a member at the end but its last message is @" + prev
                            + " of @" + messageAt.lastKey());
                }
            }
        }
        for (Object[] h : heads) {
            @SuppressWarnings("unchecked")
            List<String> changes = (List<String>) h[2];
            Long next = (Long) h[1];
            List<String> common = next == null ? null : between.get(messageAt.lowerKey(next) == null ? -1L
                    : messageAt.lowerKey(next));
            if (next == null) {
                // a log without messages sits in one gap between messages: a stretch of what a log with messages
                // shows there (between two of them, before its first or after its last), or where one begins
                if (!changes.isEmpty() && between.values().stream().noneMatch(c -> contains(c, changes))
                        && heads.stream().noneMatch(o -> o != h && o[1] != null
                                && (contains(changesOf(o), changes) || continuedBy(changes, changesOf(o))))
                        && tails.stream().noneMatch(t -> contains(changesOf(t), changes))) {
                    mismatches.add("group " + group + ", member " + h[0] + ": its changes " + changes
                            + " (no message) are nowhere in this order");
                }
            } else if (common != null && !common.subList(Math.max(0, common.size() - changes.size()),
                    common.size()).equals(changes)) {
                mismatches.add("group " + group + ", member " + h[0] + ": starts with " + changes + " before @" + next
                        + ", the others have " + common + " there");
            }
        }
        // after the group's last message (or before its first) no log holds both ends: the longest stands for all
        Map<Long, List<String>> longestTail = new HashMap<>();
        for (Object[] t : tails) {
            @SuppressWarnings("unchecked")
            List<String> changes = (List<String>) t[2];
            if (!between.containsKey((Long) t[1])) {
                longestTail.merge((Long) t[1], changes, (a, b) -> a.size() >= b.size() ? a : b);
            }
        }
        for (Object[] t : tails) {
            @SuppressWarnings("unchecked")
            List<String> changes = (List<String>) t[2];
            List<String> common = between.getOrDefault((Long) t[1], longestTail.get((Long) t[1]));
            if (common != null && !common.subList(0, Math.min(common.size(), changes.size())).equals(changes)) {
                mismatches.add("group " + group + ", member " + t[0] + ": ends with " + changes + " after @" + t[1]
                        + ", the others have " + common + " there");
            }
        }
        return compared;
    }

    /**
     * The log up to where the member left. A member that cannot follow the stream (its node caught up from a
     * snapshot, its listener threw, a message it cannot decode) is told of its own removal where it stopped, on its
     * node alone; the others see its leave where the log put it, later. That notice ends its log; it is not a
     * change of the group's sequence.
     */
    private static List<Entry> withoutOwnDeparture(MemberLog log) {
        List<Entry> entries = log.entries();
        if (entries.isEmpty()) {
            return entries;
        }
        Entry last = entries.get(entries.size() - 1);
        boolean removal = last.kind() == Kind.FAILURE || last.kind() == Kind.NODE_INCAPABLE;
        return removal && last.what().equals(log.member()) ? entries.subList(0, entries.size() - 1) : entries;
    }

    /**
     * A log without messages that the start of another's head continues: it ends where that log's changes begin
     * (an overlap of at least one), and what comes before the overlap no other log saw (the group was empty, or
     * was made again, and the member left before any message: its node caught up from a snapshot, say).
     */
    private static boolean continuedBy(List<String> changes, List<?> head) {
        for (int from = 0; from < changes.size(); from++) {
            List<String> rest = changes.subList(from, changes.size());
            if (head.size() >= rest.size() && head.subList(0, rest.size()).equals(rest)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static List<String> changesOf(Object[] headOrTail) {
        return (List<String>) headOrTail[2];
    }

    private static boolean contains(List<String> list, List<String> part) {
        return java.util.Collections.indexOfSubList(list, part) >= 0;
    }

    /** the group's one order, as far as the logs show it */
    static List<Entry> commonSequence(List<MemberLog> logs) {
        List<MemberLog> longestFirst = new ArrayList<>(logs);
        longestFirst.sort(Comparator.comparingInt((MemberLog l) -> l.entries().size()).reversed());
        List<Entry> common = new ArrayList<>(longestFirst.remove(0).entries());
        // a log that extends the common sequence may let another one anchor: go round until nothing changes
        boolean extended = true;
        while (extended && !longestFirst.isEmpty()) {
            extended = false;
            for (var it = longestFirst.iterator(); it.hasNext(); ) {
                if (extend(common, it.next().entries())) {
                    it.remove();
                    extended = true;
                }
            }
        }
        return common;
    }

    /** @return false if the log shares no entry with the common sequence and cannot be placed by position */
    private static boolean extend(List<Entry> common, List<Entry> log) {
        if (log.isEmpty()) {
            return true;
        }
        Map<String, Integer> index = indexOf(common);
        int first = firstShared(log, index);
        if (first < 0) {
            if (lastPosition(common) < firstPosition(log)) {
                common.addAll(log);
                return true;
            }
            if (lastPosition(log) < firstPosition(common)) {
                common.addAll(0, log);
                return true;
            }
            return false;
        }
        int at = index.get(log.get(first).identity());
        if (at < first) {
            common.addAll(0, log.subList(0, first - at));
            at = first;
        }
        int i = first;
        int c = at;
        while (i < log.size() && c < common.size() && log.get(i).equals(common.get(c))) {
            i++;
            c++;
        }
        if (c == common.size() && i < log.size()) {
            common.addAll(log.subList(i, log.size()));
        }
        return true;
    }

    /** @return how many entries were compared */
    private static long compare(String group, MemberLog log, List<Entry> common, Map<String, Integer> index,
                                List<String> mismatches) {
        List<Entry> entries = log.entries();
        if (entries.isEmpty()) {
            return 0;
        }
        String where = "group " + group + ", member " + log.member() + ", index ";
        int first = firstShared(entries, index);
        if (first < 0) {
            mismatches.add(where + "0: none of its " + entries.size() + " entries is in the common sequence");
            return 0;
        }
        int start = index.get(entries.get(first).identity()) - first;
        long compared = 0;
        long lastPosition = NO_POSITION;
        for (int i = 0; i < entries.size(); i++) {
            compared++;
            Entry seen = entries.get(i);
            int c = start + i;
            if (c < 0 || c >= common.size()) {
                mismatches.add(where + i + ": seen " + seen + (c < 0 ? " before the common sequence starts"
                        : " after the common sequence ends"));
                return compared;
            }
            if (!seen.equals(common.get(c))) {
                mismatches.add(where + i + ": expected " + common.get(c) + ", seen " + seen);
                return compared;
            }
            if (seen.position() != NO_POSITION) {
                // the longest log is the common sequence: its own duplicates and swaps show here
                if (seen.position() <= lastPosition) {
                    mismatches.add(where + i + ": seen " + seen + " after position " + lastPosition);
                    return compared;
                }
                lastPosition = seen.position();
            }
        }
        int end = start + entries.size();
        if (log.stillMember() && end < common.size()) {
            mismatches.add(where + entries.size() + ": still a member at the end but its log stops; expected "
                    + common.get(end) + " and " + (common.size() - end - 1) + " more");
        }
        return compared;
    }

    private static Map<String, Integer> indexOf(List<Entry> common) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < common.size(); i++) {
            index.putIfAbsent(common.get(i).identity(), i);
        }
        return index;
    }

    private static int firstShared(List<Entry> log, Map<String, Integer> index) {
        for (int i = 0; i < log.size(); i++) {
            if (index.containsKey(log.get(i).identity())) {
                return i;
            }
        }
        return -1;
    }

    private static long firstPosition(List<Entry> log) {
        return log.stream().mapToLong(Entry::position).filter(p -> p != NO_POSITION).min().orElse(Long.MAX_VALUE);
    }

    private static long lastPosition(List<Entry> log) {
        return log.stream().mapToLong(Entry::position).max().orElse(NO_POSITION);
    }
}
