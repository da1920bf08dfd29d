package org.cutover.core.internal.state;

import java.util.SortedSet;
import java.util.TreeSet;

import org.cutover.api.DefinedNode;
import org.cutover.api.NodeStatus;

/** A defined node inside the replicated state (mutable; guarded by the state's owner). */
final class NodeRecord {
    final String name;
    NodeStatus status;
    String uuid;
    String address;
    SortedSet<Integer> levels;
    /** how many times the node started and said a fresh hello; part of its member ids, so ids never repeat */
    long incarnation;

    NodeRecord(String name, NodeStatus status, String uuid, String address, SortedSet<Integer> levels) {
        this.name = name;
        this.uuid = uuid;
        this.status = status;
        this.address = address;
        this.levels = new TreeSet<>(levels);
    }

    DefinedNode toDefinedNode() {
        return new DefinedNode(name, status, address, java.util.Collections.unmodifiableSortedSet(new TreeSet<>(levels)));
    }
}
