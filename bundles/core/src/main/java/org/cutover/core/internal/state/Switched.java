package org.cutover.core.internal.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.cutover.api.Member;
import org.cutover.core.internal.ArrayMap;

/**
 * What an applied adjust switched, in the adjust's order: each group's new epoch and its members at that point of
 * the log. Arrays rather than maps: every node makes one while it applies the adjust, ahead of its confirmation,
 * and filling a map of 1,000 groups (a hash and a node per group) was an eighth of that apply; the asking node
 * reads the members later, on its caller's thread.
 */
public final class Switched {

    private final String[] groups;
    private final Long[] epochs;
    private final Member[][] members;
    /** a group is named more than once */
    private boolean repeats;

    Switched(int size) {
        groups = new String[size];
        epochs = new Long[size];
        members = new Member[size][];
    }

    void set(int i, String group, long epoch, Member[] membersNow) {
        groups[i] = group;
        epochs[i] = epoch;
        members[i] = membersNow;
    }

    void repeated() {
        repeats = true;
    }

    /** each switched group's new epoch, in the adjust's order; read only, looked up by a scan (copy it to look up) */
    public Map<String, Long> epochs() {
        if (repeats) {
            Map<String, Long> last = new LinkedHashMap<>();
            for (int i = 0; i < groups.length; i++) {
                last.put(groups[i], epochs[i]);
            }
            return Collections.unmodifiableMap(last);
        }
        return new ArrayMap<>(groups, epochs);
    }

    /**
     * The members of the switched groups by node (sorted by name), a group named twice once: the nodes that must
     * confirm the adjust, and for whom.
     */
    public Map<String, List<String>> membersByNode() {
        Map<String, List<String>> byNode = new TreeMap<>();
        Set<String> seen = repeats ? new HashSet<>() : null;
        for (int i = 0; i < groups.length; i++) {
            if (seen == null || seen.add(groups[i])) {
                for (Member m : members[i]) {
                    byNode.computeIfAbsent(m.node(), n -> new ArrayList<>()).add(m.id());
                }
            }
        }
        return byNode;
    }
}
