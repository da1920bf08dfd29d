package org.cutover.core.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * This node's latest numbered broadcasts, as sent, so that a member that misses some can have them again.
 * JGroups without FLUSH can lose what a sender forwarded to the sequencer around a view change: in a chaos run
 * all three members of a majority missed one sender's messages 1863..2145 (the sender too) while its 2146 and
 * later arrived. Bounded by bytes; the oldest go first. Thread-safe.
 */
final class RecentBroadcasts {
    private final long maxBytes;
    private final TreeMap<Long, byte[]> bySeq = new TreeMap<>();
    private long bytes;

    RecentBroadcasts(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized void sent(long seq, byte[] message) {
        bySeq.put(seq, message);
        bytes += message.length;
        Iterator<Map.Entry<Long, byte[]>> oldest = bySeq.entrySet().iterator();
        while (bytes > maxBytes && oldest.hasNext()) {
            bytes -= oldest.next().getValue().length;
            oldest.remove();
        }
    }

    /** the messages numbered {@code from} to {@code to} that are still kept, in order */
    synchronized List<byte[]> range(long from, long to) {
        return new ArrayList<>(bySeq.subMap(from, true, to, true).values());
    }
}
