package org.cutover.api;

import java.util.Objects;

/**
 * One member of a group: an application's handle on one node.
 *
 * @param node the name of the node the member lives on
 * @param id   unique within the cluster, e.g. {@code node1#3}
 */
public record Member(String node, String id) implements Comparable<Member> {
    public Member {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(id, "id");
    }

    @Override
    public int compareTo(Member o) {
        return id.compareTo(o.id);
    }

    @Override
    public String toString() {
        return id;
    }
}
