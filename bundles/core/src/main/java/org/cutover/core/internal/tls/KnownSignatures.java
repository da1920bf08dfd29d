package org.cutover.core.internal.tls;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signatures a node knows to be good without checking them again: those it made itself of its own log entries,
 * and those it checked as the entries arrived (before their commit), each under the certificate chain named here.
 * Its own entries come back to it through the log, and checking them again cost one Ed25519 verification (87 µs)
 * of the three each entry takes on a 3-node cluster. What is known is a pure fact about the bytes and the key (the
 * signature of this digest by the key of this chain), so an entry found here is decided as a check would decide
 * it; one not found (a restart, another chain) is checked.
 * <p>
 * A signature is checked by one thread at a time: the applier that reaches an entry whose check ahead of the
 * commit is under way waits for that check instead of making its own beside it, and a check ahead skips an entry
 * the applier is checking. On 2 cores shared by 3 nodes the applier came first for 16 % of the entries of 1-group
 * adjusts and 14 % of those of 1,000-group ones (JFR, 2026-12-07), and the two checks of one entry then took
 * turns on the cores.
 */
public final class KnownSignatures {

    /** entries in flight, not applied: a few hundred at most; past this everything is checked again */
    private static final int LIMIT = 4096;
    /**
     * How long the applier waits for a check under way before it checks itself: a check takes 60-100 µs, a few
     * milliseconds when the cores are busy; longer means its thread is not running, and the applier's own check
     * is then the sooner answer.
     */
    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** one check of a signature */
    @FunctionalInterface
    interface Verification {
        boolean verify() throws Exception;
    }

    private record Known(String chainPrint, ByteBuffer digest, ByteBuffer signature) {
        Known(String chainPrint, byte[] digest, byte[] signature) {
            this(chainPrint, ByteBuffer.wrap(digest), ByteBuffer.wrap(signature));
        }
    }

    /** a check under way until {@code ended} opens, then good or not */
    private static final class Check {
        final CountDownLatch ended = new CountDownLatch(1);
        volatile boolean good;

        void end(boolean good) {
            this.good = good;
            ended.countDown();
        }
    }

    private static final Check GOOD = new Check();

    static {
        GOOD.end(true);
    }

    private final ConcurrentHashMap<Known, Check> known = new ConcurrentHashMap<>();
    private final AtomicLong taken = new AtomicLong();
    private final long waitNanos;

    public KnownSignatures() {
        this(WAIT_NANOS);
    }

    /** for tests: how long the applier waits for a check under way */
    KnownSignatures(long waitNanos) {
        this.waitNanos = waitNanos;
    }

    /** {@code signature} is the signature of {@code digest} by the key of the chain whose fingerprint is given */
    void add(String chainPrint, byte[] digest, byte[] signature) {
        bound();
        known.put(new Known(chainPrint, digest, signature), GOOD);
    }

    /**
     * Ahead of the commit: runs {@code check} unless the signature is known or being checked; a good one is then
     * known until taken, a bad one (or a check that threw) is not.
     */
    void checkAhead(String chainPrint, byte[] digest, byte[] signature, Verification check) {
        bound();
        Known k = new Known(chainPrint, digest, signature);
        Check mine = new Check();
        if (known.putIfAbsent(k, mine) != null) {
            return;
        }
        boolean good = false;
        try {
            good = check.verify();
        } catch (Exception e) {
            // decided where it is applied
        } finally {
            if (!good) {
                known.remove(k, mine);
            }
            mine.end(good);
        }
    }

    /**
     * Where the entry is applied (once per run): true when the signature is known (taken then), or found good by
     * the check under way (waited for, by default at most {@link #WAIT_NANOS}); else the answer of {@code check},
     * run here.
     */
    boolean checkApplied(String chainPrint, byte[] digest, byte[] signature, Verification check) throws Exception {
        Known k = new Known(chainPrint, digest, signature);
        Check mine = new Check();
        Check other = known.putIfAbsent(k, mine);
        if (other != null) {
            boolean good = goodWithin(other);
            // once the entry is applied, what that check finds (if it is still running) is of no use: not kept
            known.remove(k, other);
            if (good) {
                taken.incrementAndGet();
                return true;
            }
            // found bad (the applier words the refusal itself, as every replica does), or not done in time
            return check.verify();
        }
        boolean good = false;
        try {
            good = check.verify();
            return good;
        } finally {
            known.remove(k, mine);
            mine.end(good);
        }
    }

    private boolean goodWithin(Check c) {
        try {
            return c.ended.await(waitNanos, TimeUnit.NANOSECONDS) && c.good;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void bound() {
        if (known.size() >= LIMIT) {
            // entries that were never applied (refused, or lost with a leader): checked if they come; a waiter
            // holds its check and is not disturbed
            known.clear();
        }
    }

    /** how many signatures were decided without a check where applied */
    public long taken() {
        return taken.get();
    }

    /** signatures known to be good, not those being checked */
    public int size() {
        int good = 0;
        for (Check c : known.values()) {
            if (c.ended.getCount() == 0 && c.good) {
                good++;
            }
        }
        return good;
    }
}
