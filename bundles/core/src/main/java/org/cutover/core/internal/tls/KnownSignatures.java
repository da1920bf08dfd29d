package org.cutover.core.internal.tls;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signatures a node knows to be good without checking them again: those it made itself of its own log entries,
 * and those it checked as the entries arrived (before their commit), each under the certificate chain named here. Its own entries come back to it through the log, and checking them again cost
 * one Ed25519 verification (87 µs) of the three each entry takes on a 3-node cluster. What is known is a pure
 * fact about the bytes and the key (the signature of this digest by the key of this chain), so an entry found here
 * is decided as a check would decide it; one not found (a restart, another chain) is checked.
 */
public final class KnownSignatures {

    /** entries in flight, not applied: a few hundred at most; past this everything is checked again */
    private static final int LIMIT = 4096;

    private record Known(String chainPrint, ByteBuffer digest, ByteBuffer signature) {
    }

    private final Set<Known> known = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong taken = new java.util.concurrent.atomic.AtomicLong();

    /** {@code signature} is the signature of {@code digest} by the key of the chain whose fingerprint is given */
    void add(String chainPrint, byte[] digest, byte[] signature) {
        if (known.size() >= LIMIT) {
            known.clear(); // entries that were never applied (refused, or lost with a leader): checked if they come
        }
        known.add(new Known(chainPrint, ByteBuffer.wrap(digest), ByteBuffer.wrap(signature)));
    }

    /** true (once) when the triple was added: each entry is applied once per run */
    boolean take(String chainPrint, byte[] digest, byte[] signature) {
        boolean was = known.remove(new Known(chainPrint, ByteBuffer.wrap(digest), ByteBuffer.wrap(signature)));
        if (was) {
            taken.incrementAndGet();
        }
        return was;
    }

    /** how many signatures were decided without a check where applied */
    public long taken() {
        return taken.get();
    }

    boolean contains(String chainPrint, byte[] digest, byte[] signature) {
        return known.contains(new Known(chainPrint, ByteBuffer.wrap(digest), ByteBuffer.wrap(signature)));
    }

    public int size() {
        return known.size();
    }
}
