package org.cutover.example.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One member's copy of the replicated map, fed only by the group's ordered
 * stream: every member applies the same writes in the same order, so every
 * member's map is the same at the same point of the order. For each key it
 * keeps the log position ({@link org.cutover.api.Delivery#sequence()}) of the
 * write that set it: the position is the same on every member, so members that
 * applied the same writes in different orders differ in their digest even when
 * the values they end with are the same.
 *
 * <p>Each write carries its sender's own counter. Per sender the map keeps the
 * highest counter seen and the counters skipped so far: a jump ahead counts
 * the skipped ones as {@code lost}; a counter at or below the highest one is
 * {@code reordered} if it was one of the skipped (it is then no longer lost),
 * else {@code duplicated}. A counter the sender has named in doubt (its send
 * ended without an answer) and that has not come is neither lost nor, if it
 * comes after all, late. Every write is applied whatever its counter says:
 * the order of delivery, not the counter, decides the map, so the maps stay
 * identical even when the counters reveal a fault.
 *
 * <p>The map also keeps a delivery chain: a SHA-256 over the previous chain
 * and each delivered message (its position, sender, counter, key and value;
 * a message that is not a write by its position alone). Two members with the
 * same last position and the same chain delivered the same messages in the
 * same order, every one of them: a joiner takes the giver's chain with its
 * state and continues it.
 *
 * <p>Thread-safe: writes come from the delivery thread, reads from commands.
 */
final class KvMap {

    /** skipped counters remembered per sender; beyond this, a late arrival counts as duplicated */
    static final int MAX_MISSING_PER_SENDER = 100_000;
    /** first int of a state with positions; a state without them starts with its (non-negative) entry count */
    private static final int STATE_WITH_POSITIONS = -2;

    private final TreeMap<String, Value> entries = new TreeMap<>();
    private final Map<String, Sender> senders = new HashMap<>();
    private long applied;
    private long lastSequence;
    private long lost;
    private long duplicated;
    private long reordered;
    private long rejected;
    private byte[] chain = new byte[32];
    private final MessageDigest chainSha = sha256();

    /** a key's value and the log position of the write that set it */
    private record Value(String value, long position) {
    }

    private static final class Sender {
        long highest;
        final TreeSet<Long> missing = new TreeSet<>();
        /** counters the sender noted in doubt and that have not come (yet): neither lost nor late when they do */
        final TreeSet<Long> inDoubt = new TreeSet<>();
    }

    /** applies one delivered write of {@code senderId} at position {@code sequence} of the delivery stream */
    synchronized void apply(String senderId, long sequence, Write write) {
        Sender s = senders.computeIfAbsent(senderId, id -> new Sender());
        long c = write.counter();
        for (long doubt : write.inDoubt()) {
            // only one not delivered yet: a counter already here stays here, so a second copy still counts
            if (s.missing.remove(doubt)) {
                lost--;
                s.inDoubt.add(doubt);
            } else if (doubt > s.highest && doubt < c && s.inDoubt.size() < MAX_MISSING_PER_SENDER) {
                s.inDoubt.add(doubt);
            }
        }
        if (c > s.highest) {
            long gap = c - s.highest - 1;
            if (gap > 0) {
                lost += gap - s.inDoubt.subSet(s.highest + 1, c).size();
                for (long m = s.highest + 1; m < c && s.missing.size() < MAX_MISSING_PER_SENDER; m++) {
                    if (!s.inDoubt.contains(m)) {
                        s.missing.add(m);
                    }
                }
            }
            s.highest = c;
        } else if (s.missing.remove(c)) {
            reordered++;
            lost--;
        } else if (!s.inDoubt.remove(c)) {
            duplicated++;
        }
        entries.put(write.key(), new Value(write.value(), sequence));
        applied++;
        lastSequence = sequence;
        chainSha.update(chain);
        chainSha.update(ByteBuffer.allocate(17).putLong(sequence).put((byte) 'W').putLong(c).array());
        update(chainSha, senderId);
        update(chainSha, write.key());
        update(chainSha, write.value());
        chain = chainSha.digest();
    }

    /** a delivered message that is not a write: counted, never applied (on every member alike) */
    synchronized void reject(long sequence) {
        rejected++;
        lastSequence = sequence;
        chainSha.update(chain);
        chainSha.update(ByteBuffer.allocate(9).putLong(sequence).put((byte) 'R').array());
        chain = chainSha.digest();
    }

    /**
     * The entries, each sender's highest counter, the last position and the
     * delivery chain, for a member that joins now: with them it continues
     * exactly where this member is.
     */
    synchronized byte[] state() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(STATE_WITH_POSITIONS);
            out.writeInt(entries.size());
            for (Map.Entry<String, Value> e : entries.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue().value());
                out.writeLong(e.getValue().position());
            }
            out.writeInt(senders.size());
            for (Map.Entry<String, Sender> e : senders.entrySet()) {
                writeString(out, e.getKey());
                out.writeLong(e.getValue().highest);
            }
            out.writeLong(lastSequence);
            out.write(chain);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Replaces this (new, empty) member's map with an existing member's state.
     * A state from an older store has no positions: its entries get position
     * 0, so the digest tells this member from the others.
     */
    synchronized void restore(byte[] state) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(state))) {
            TreeMap<String, Value> restored = new TreeMap<>();
            int first = in.readInt();
            boolean withPositions = first == STATE_WITH_POSITIONS;
            int n = withPositions ? in.readInt() : first;
            if (n < 0) {
                throw new java.io.IOException("entry count " + n);
            }
            for (int i = 0; i < n; i++) {
                String key = readString(in, state.length);
                String value = readString(in, state.length);
                restored.put(key, new Value(value, withPositions ? in.readLong() : 0));
            }
            Map<String, Sender> highest = new HashMap<>();
            int m = in.readInt();
            for (int i = 0; i < m; i++) {
                Sender sender = new Sender();
                highest.put(readString(in, state.length), sender);
                sender.highest = in.readLong();
            }
            // a state from a store without the chain ends here: the joiner's chain then starts from zeros
            long position = 0;
            byte[] givenChain = new byte[32];
            if (in.available() > 0) {
                position = in.readLong();
                in.readFully(givenChain);
            }
            lastSequence = position;
            chain = givenChain;
            entries.clear();
            entries.putAll(restored);
            senders.clear();
            senders.putAll(highest);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a kv state: " + e.getMessage(), e);
        }
    }

    private static void writeString(java.io.DataOutputStream out, String s) throws java.io.IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(java.io.DataInputStream in, int limit) throws java.io.IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new java.io.IOException("string length " + n + " out of range");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    synchronized Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key)).map(Value::value);
    }

    synchronized int size() {
        return entries.size();
    }

    /**
     * SHA-256 over the entries in key order, each as its key's and its value's
     * UTF-8 bytes with a 4-byte length before each and the log position of the
     * write that set it (8 bytes), then the entry count (8 bytes). Two maps
     * have the same digest exactly when they hold the same keys with the same
     * values set by the same writes (up to SHA-256 collisions).
     */
    synchronized MapDigest digest() {
        MessageDigest sha = sha256();
        for (Map.Entry<String, Value> e : entries.entrySet()) {
            update(sha, e.getKey());
            update(sha, e.getValue().value());
            sha.update(ByteBuffer.allocate(8).putLong(e.getValue().position()).array());
        }
        sha.update(ByteBuffer.allocate(8).putLong(entries.size()).array());
        return new MapDigest(entries.size(), sha.digest());
    }

    /** per sender, the highest counter delivered (restored ones included) */
    synchronized java.util.SortedMap<String, Long> highestBySender() {
        TreeMap<String, Long> highest = new TreeMap<>();
        senders.forEach((id, s) -> highest.put(id, s.highest));
        return highest;
    }

    /** per sender with a gap, the counters skipped and not delivered since */
    synchronized java.util.SortedMap<String, java.util.SortedSet<Long>> missingBySender() {
        TreeMap<String, java.util.SortedSet<Long>> missing = new TreeMap<>();
        senders.forEach((id, s) -> {
            if (!s.missing.isEmpty()) {
                missing.put(id, new TreeSet<>(s.missing));
            }
        });
        return missing;
    }

    synchronized ApplyCounters counters() {
        return new ApplyCounters(applied, lastSequence, lost, duplicated, reordered, rejected,
                java.util.HexFormat.of().formatHex(chain));
    }

    private static void update(MessageDigest sha, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
        sha.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
