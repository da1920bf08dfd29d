package org.cutover.core.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jgroups.Address;

/**
 * Keeps each sender's ordered messages in the order it sent them and drops
 * copies. SEQUENCER totally orders a view's messages, but across a view change
 * without FLUSH it may deliver a sender's messages out of their send order or
 * twice: in a chaos run with a majority/minority split a node delivered
 * another's message 1322 before its 1314-1321 once the sides merged.
 *
 * <p>Every node numbers its broadcasts. A message that comes early waits for
 * the ones before it; one at or below what was delivered is dropped. A gap may
 * be for good (the missing messages were only ever delivered on the other side
 * of a split), so waiting has limits: the next ordered view change (never held
 * itself) gives up the gaps of senders that left the view, and a time limit
 * any gap; what waited is delivered in send order. A sender still in the view
 * is asked for what is missing ({@link #gaps()}). Not thread-safe: used under
 * the node's lock.
 */
final class SenderOrder<T> {

    private record Waiting<T>(TreeMap<Long, T> messages, long sinceNanos) {
    }

    private final Map<Address, Long> next = new HashMap<>();
    private final Map<Address, Waiting<T>> waiting = new HashMap<>();

    /** the messages that may be delivered now, in order */
    List<T> accept(Address sender, long seq, T message) {
        Long expected = next.get(sender);
        if (expected != null && seq < expected) {
            return List.of();
        }
        if (expected == null || seq == expected) {
            List<T> ready = new ArrayList<>();
            ready.add(message);
            next.put(sender, seq + 1);
            drain(sender, ready);
            return ready;
        }
        Waiting<T> w = waiting.computeIfAbsent(sender, s -> new Waiting<>(new TreeMap<>(), System.nanoTime()));
        w.messages().putIfAbsent(seq, message);
        return List.of();
    }

    /**
     * The sender's message {@code seq} was delivered out of turn (a view change, which is never held):
     * what it sent before is given up; returns its waiting messages that may follow now.
     */
    List<T> deliveredOutOfTurn(Address sender, long seq) {
        Long expected = next.get(sender);
        List<T> ready = new ArrayList<>();
        if (expected == null || seq >= expected) {
            next.put(sender, seq + 1);
            drain(sender, ready);
        }
        return ready;
    }

    /** a sender's missing messages: {@code from} to {@code to} */
    record Gap(Address sender, long from, long to) {
    }

    List<Gap> gaps() {
        List<Gap> gaps = new ArrayList<>();
        waiting.forEach((sender, w) -> gaps.add(new Gap(sender, next.get(sender), w.messages().firstKey() - 1)));
        return gaps;
    }

    /**
     * Gives up the gaps of senders that are no longer in the view: what they missed went to the other side of
     * a split or nowhere, and they cannot be asked for it. Returns what waited, sender by sender in send order.
     */
    List<T> releaseGone(java.util.function.Predicate<Address> inView) {
        return release(sender -> !inView.test(sender));
    }

    /** gives up the gaps that have waited longer than {@code nanos} */
    List<T> releaseWaitingLongerThan(long nanos) {
        long now = System.nanoTime();
        return release(sender -> now - waiting.get(sender).sinceNanos() > nanos);
    }

    private List<T> release(java.util.function.Predicate<Address> which) {
        List<T> ready = new ArrayList<>();
        List<Address> senders = new ArrayList<>(waiting.keySet());
        senders.sort(Comparator.comparing(Object::toString));
        for (Address sender : senders) {
            Waiting<T> w = waiting.get(sender);
            if (which.test(sender)) {
                waiting.remove(sender);
                next.put(sender, w.messages().lastKey() + 1);
                ready.addAll(w.messages().values());
            }
        }
        return ready;
    }

    /**
     * Senders that come back into the view (a merge): what they sent while apart was delivered on the other
     * side only, so their next message starts afresh; returns what waited for them, in send order.
     */
    List<T> restart(java.util.Collection<Address> senders) {
        List<T> ready = new ArrayList<>();
        for (Address sender : senders) {
            Waiting<T> w = waiting.remove(sender);
            if (w != null) {
                ready.addAll(w.messages().values());
            }
            next.remove(sender);
        }
        return ready;
    }

    boolean anyWaiting() {
        return !waiting.isEmpty();
    }

    private void drain(Address sender, List<T> ready) {
        Waiting<T> w = waiting.get(sender);
        if (w == null) {
            return;
        }
        long n = next.get(sender);
        w.messages().headMap(n).clear();
        while (w.messages().containsKey(n)) {
            ready.add(w.messages().remove(n++));
        }
        next.put(sender, n);
        if (w.messages().isEmpty()) {
            waiting.remove(sender);
        } else if (!ready.isEmpty()) {
            // still a gap further on: it waits from now
            waiting.put(sender, new Waiting<>(w.messages(), System.nanoTime()));
        }
    }
}
