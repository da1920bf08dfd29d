package org.cutover.core.internal;

import java.util.HashMap;
import java.util.Map;

import org.jgroups.Address;

/**
 * Drops a sender's ordered message that comes after a later one of the same
 * sender (a copy, or a straggler from before a view change). SEQUENCER totally
 * orders a view's messages, but across a view change without FLUSH it may
 * deliver a sender's messages out of their send order or twice: in a chaos run
 * with a majority/minority split a node delivered another's message 1322
 * before its 1314-1321 once the sides merged. Holding the early one back would
 * wait for messages that may only ever reach the other side, so the late ones
 * are dropped instead: every node of the view sees the same sequence and drops
 * the same messages, and no one applies a sender's messages out of order.
 * Not thread-safe: used under the node's lock.
 */
final class SenderOrder {

    private final Map<Address, Long> highest = new HashMap<>();
    private long dropped;

    /** whether the sender's message numbered {@code seq} may be delivered */
    boolean accept(Address sender, long seq) {
        Long last = highest.get(sender);
        if (last != null && seq <= last) {
            dropped++;
            return false;
        }
        highest.put(sender, seq);
        return true;
    }

    long dropped() {
        return dropped;
    }
}
