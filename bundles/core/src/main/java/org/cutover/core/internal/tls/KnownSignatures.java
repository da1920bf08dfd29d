package org.cutover.core.internal.tls;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signatures a node knows to be good without checking them again: those it made itself of its own log entries,
 * and those it checked as the entries arrived (before their commit), each under the certificate chain named here.
 * Its own entries come back to it through the log, and checking them again cost one Ed25519 verification (87 µs)
 * of the three each entry takes on a 3-node cluster. What is known is a pure fact about the bytes and the key (this
 * signature of these bytes by the key of this chain), so an entry found here is decided as a check would decide
 * it; one not found (a restart, another chain) or with other bytes is checked.
 * <p>
 * A signature is known with the bytes it was checked on, and the applier compares its entry with them instead
 * of hashing it again: SHA-256 runs at 1.38-1.5 GB/s here and a compare at 31 GB/s (none when the applier has the
 * same array), and taking the digest once more to look it up made every node hash every entry twice, about 2 µs
 * of CPU per 1 KB message on 3 nodes. The bytes are kept by reference, not copied (a copy of an entry of up to
 * 1 MB is a humongous object in G1): they are RAFT's own array of the entry, or the one a node signed and handed
 * to RAFT, which nobody changes once handed over ({@code CheckedRAFT.entry_arrivals}).
 * <p>
 * A signature is checked by one thread at a time: the applier that reaches an entry whose check ahead of the
 * commit is under way waits for that check instead of making its own beside it, and a check ahead skips an entry
 * the applier is checking. On 2 cores shared by 3 nodes the applier came first for 16 % of the entries of 1-group
 * adjusts and 14 % of those of 1,000-group ones (JFR, 2026-12-07), and the two checks of one entry then took
 * turns on the cores.
 */
public final class KnownSignatures {

    /** entries in flight, not applied: a few dozen at most; past this everything is checked again */
    private static final int LIMIT = 4096;
    /**
     * the bytes held for them: a node has at most 4 entries of at most 1 MB in flight (LogLink), so a few dozen MB
     * only where entries were never applied (refused, or lost with a leader), which RAFT no longer holds
     */
    private static final long LIMIT_BYTES = 32L << 20;
    /**
     * How long the applier waits for a check under way before it checks itself: a check takes 60-100 µs, a few
     * milliseconds when the cores are busy; longer means its thread is not running, and the applier's own check
     * is then the sooner answer.
     */
    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** one check of a signature of the bytes given */
    @FunctionalInterface
    interface Verification {
        boolean verify(byte[] buf, int offset, int length) throws Exception;
    }

    private record Known(String chainPrint, ByteBuffer signature) {
        Known(String chainPrint, byte[] signature) {
            this(chainPrint, ByteBuffer.wrap(signature));
        }
    }

    /** a check under way until {@code ended} opens; good when it holds the bytes it found good */
    private static final class Check {
        final CountDownLatch ended = new CountDownLatch(1);
        /** the bytes checked, once found good (set before {@code ended} opens): a range of {@code bytes} */
        volatile byte[] bytes;
        int offset;
        int length;

        Check() {
        }

        Check(byte[] bytes, int offset, int length) {
            keep(bytes, offset, length);
            ended.countDown();
        }

        void keep(byte[] buf, int off, int len) {
            offset = off;
            length = len;
            bytes = buf;
        }

        boolean isOf(byte[] buf, int off, int len) {
            byte[] b = bytes;
            return b != null && (b == buf && offset == off && length == len
                    || Arrays.equals(b, offset, offset + length, buf, off, off + len));
        }
    }

    private final ConcurrentHashMap<Known, Check> known = new ConcurrentHashMap<>();
    /**
     * the bytes held for known signatures, added up since {@link #known} was last counted: at least what it holds
     * (a taken one is not subtracted); counted again when it passes {@link #LIMIT_BYTES}
     */
    private final AtomicLong bytesKept = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final long waitNanos;

    public KnownSignatures() {
        this(WAIT_NANOS);
    }

    /** for tests: how long the applier waits for a check under way */
    KnownSignatures(long waitNanos) {
        this.waitNanos = waitNanos;
    }

    /**
     * {@code signature} is the signature of the bytes given (which must not change afterwards) by the key of the
     * chain whose fingerprint is given
     */
    void add(String chainPrint, byte[] buf, int offset, int length, byte[] signature) {
        bound();
        bytesKept.addAndGet(length);
        known.put(new Known(chainPrint, signature), new Check(buf, offset, length));
    }

    /**
     * Ahead of the commit: runs {@code check} on the bytes unless the signature is known or being checked; a good
     * one is then known with those bytes until taken, a bad one (or a check that threw) is not. The bytes must
     * not change afterwards.
     */
    void checkAhead(String chainPrint, byte[] buf, int offset, int length, byte[] signature, Verification check) {
        bound();
        Known k = new Known(chainPrint, signature);
        Check mine = new Check();
        if (known.putIfAbsent(k, mine) != null) {
            return;
        }
        boolean good = false;
        try {
            good = check.verify(buf, offset, length);
        } catch (Exception e) {
            // decided where it is applied
        } finally {
            if (good) {
                mine.keep(buf, offset, length);
                bytesKept.addAndGet(length);
            } else {
                known.remove(k, mine);
            }
            mine.ended.countDown();
        }
    }

    /**
     * Where the entry is applied (once per run): true when the signature is known with these bytes (taken then), or
     * found good of them by the check under way (waited for, by default at most {@link #WAIT_NANOS}); else the
     * answer of {@code check}, run here.
     */
    boolean checkApplied(String chainPrint, byte[] buf, int offset, int length, byte[] signature,
                         Verification check) throws Exception {
        Known k = new Known(chainPrint, signature);
        Check mine = new Check();
        Check other = known.putIfAbsent(k, mine);
        if (other != null) {
            boolean good = goodWithin(other);
            boolean same = good && other.isOf(buf, offset, length);
            if (!good || same) {
                // once the entry is applied, what that check finds (if it is still running) is of no use: not
                // kept; a good one of other bytes stays for the entry it was made for
                known.remove(k, other);
            }
            if (same) {
                taken.incrementAndGet();
                return true;
            }
            // found bad (the applier words the refusal itself, as every replica does), other bytes under the same
            // signature, or not done in time
            return check.verify(buf, offset, length);
        }
        try {
            return check.verify(buf, offset, length);
        } finally {
            // nobody waits for the applier's own check (a check ahead skips it), and its answer is not kept
            known.remove(k, mine);
            mine.ended.countDown();
        }
    }

    private boolean goodWithin(Check c) {
        try {
            return c.ended.await(waitNanos, TimeUnit.NANOSECONDS) && c.bytes != null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void bound() {
        if (known.size() >= LIMIT || bytesKept.get() >= LIMIT_BYTES && counted() >= LIMIT_BYTES) {
            // entries that were never applied (refused, or lost with a leader): checked if they come; a waiter
            // holds its check and is not disturbed
            known.clear();
            bytesKept.set(0);
        }
    }

    /** the bytes held now, which {@link #bytesKept} becomes (a few dozen entries normally) */
    private long counted() {
        long held = 0;
        for (Check c : known.values()) {
            held += c.bytes == null ? 0 : c.length;
        }
        bytesKept.set(held);
        return held;
    }

    /** how many signatures were decided without a check where applied */
    public long taken() {
        return taken.get();
    }

    /** signatures known to be good, not those being checked */
    public int size() {
        int good = 0;
        for (Check c : known.values()) {
            if (c.bytes != null) {
                good++;
            }
        }
        return good;
    }

    /** how many bytes are held for the known signatures */
    long bytesKept() {
        return counted();
    }
}
