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
    private final long[] epochs;
    private final Member[][] members;
    /** a group is named more than once */
    private boolean repeats;

    Switched(int size) {
        groups = new String[size];
        epochs = new long[size];
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
        return ArrayMap.ofLongs(groups, epochs);
    }

    /**
     * The members of the switched groups by node (sorted by name), a group named twice once: the nodes that must
     * confirm the adjust, and for whom.
     */
    public Map<String, List<Member>> membersByNode() {
        // few nodes, many members: the nodes seen are scanned, by reference first (the state keeps one name per
        // node); a tree lookup per member compared the bytes of two names, on the asker's path after its delivery
        // (1,000 groups on 3 nodes: 42 % of the asker's thread, JFR 2026-12-06)
        List<String> nodes = new ArrayList<>();
        List<List<Member>> byIndex = new ArrayList<>();
        Set<String> seen = repeats ? new HashSet<>() : null;
        int last = -1;
        for (int i = 0; i < groups.length; i++) {
            if (seen != null && !seen.add(groups[i])) {
                continue;
            }
            for (Member m : members[i]) {
                String node = m.node();
                if (last < 0 || nodes.get(last) != node) {
                    last = indexOf(nodes, node);
                    if (last < 0) {
                        nodes.add(node);
                        byIndex.add(new ArrayList<>());
                        last = nodes.size() - 1;
                    }
                }
                byIndex.get(last).add(m);
            }
        }
        Map<String, List<Member>> byNode = new TreeMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            byNode.put(nodes.get(i), byIndex.get(i));
        }
        return byNode;
    }

    private static int indexOf(List<String> nodes, String node) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) == node) {
                return i;
            }
        }
        return nodes.indexOf(node);
    }
}
