package org.cutover.core.internal.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.cutover.api.Member;

/** A group inside the replicated state; members sorted by id so every replica lists them alike. */
final class GroupRecord {
    final String name;
    int level;
    long epoch;
    /** held at its level: no automatic adjust (an operator's hold, or a downgrade's) */
    boolean held;
    final TreeMap<String, String> members = new TreeMap<>(); // member id -> node

    GroupRecord(String name, int level, long epoch) {
        this.name = name;
        this.level = level;
        this.epoch = epoch;
    }

    List<Member> memberList() {
        List<Member> list = new ArrayList<>(members.size());
        for (Map.Entry<String, String> m : members.entrySet()) {
            list.add(new Member(m.getValue(), m.getKey()));
        }
        return list;
    }

    /** removes every member of the node and returns them */
    List<Member> removeMembersOf(String node) {
        List<Member> removed = new ArrayList<>();
        members.entrySet().removeIf(m -> {
            if (m.getValue().equals(node)) {
                removed.add(new Member(node, m.getKey()));
                return true;
            }
            return false;
        });
        return removed;
    }
}
