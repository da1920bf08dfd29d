package org.cutover.core.internal.tls;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.cutover.core.internal.testing.TestCertificates;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A node's own entries are decided without an Ed25519 check, and nothing else is; a signature is checked by one
 * thread at a time.
 */
public class KnownSignaturesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void anEntryTheNodeSignedIsTakenAsSignedOnceAndAnythingElseIsChecked() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        Path dir = tmp.getRoot().toPath().resolve("node1");
        TestCertificates.node(ca, "node1", dir);
        NodeTls tls = NodeTls.load(dir, "node1", Duration.ofHours(1));
        List<byte[]> chain = tls.identity().chain();
        byte[] entry = "an adjust entry of node1".getBytes(StandardCharsets.UTF_8);
        EntryVerifier verifier = new EntryVerifier(tls.known());

        byte[] signature = tls.signEntry(entry, 0, entry.length);
        assertEquals(1, tls.known().size());
        assertNull(verifier.signatureRefusal(chain, entry, 0, entry.length, signature));
        assertEquals("taken when applied", 0, tls.known().size());
        assertNull("and checked when it comes again (a replay)",
                verifier.signatureRefusal(chain, entry, 0, entry.length, signature));

        // the shortcut is what decides a known signature: a wrong one put there by the test is taken as good...
        byte[] wrong = signature.clone();
        wrong[0] ^= 1;
        String print = EntryVerifier.fingerprint(chain);
        tls.known().add(print, entry, 0, entry.length, wrong);
        assertNull(verifier.signatureRefusal(chain, entry, 0, entry.length, wrong));
        // ...and without it the same signature is checked and refused
        assertNotNull(verifier.signatureRefusal(chain, entry, 0, entry.length, wrong));

        // known under another chain (another node's certificate): checked
        Path other = tmp.getRoot().toPath().resolve("node2");
        TestCertificates.node(ca, "node2", other);
        List<byte[]> chain2 = NodeTls.load(other, "node2", Duration.ofHours(1)).identity().chain();
        tls.signEntry(entry, 0, entry.length);
        assertNotNull(verifier.signatureRefusal(chain2, entry, 0, entry.length, signature));
        // other bytes under the same signature: checked
        byte[] changed = Arrays.copyOf(entry, entry.length);
        changed[0] ^= 1;
        assertNotNull(verifier.signatureRefusal(chain, changed, 0, changed.length, signature));
        assertEquals("neither took the known one", 1, tls.known().size());
    }

    private static final String PRINT = "chain";
    private static final byte[] ENTRY = {1, 2, 3};
    private static final byte[] SIGNATURE = {4, 5, 6};

    /** a check ahead of the signature, under way once this returns, that finds it good when {@code release} opens */
    private static CompletableFuture<Void> checkingAhead(KnownSignatures known, CountDownLatch release)
            throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> ahead = CompletableFuture.runAsync(() -> known.checkAhead(PRINT, ENTRY, 0, ENTRY.length,
                SIGNATURE, (b, o, l) -> {
                    started.countDown();
                    release.await();
                    return true;
                }));
        assertTrue("the check ahead started", started.await(10, TimeUnit.SECONDS));
        return ahead;
    }

    /** the applier reaching an entry whose check ahead is under way takes that check's answer, not one of its own */
    @Test
    public void theApplierWaitsForACheckUnderWayInsteadOfCheckingBesideIt() throws Exception {
        KnownSignatures known = new KnownSignatures(TimeUnit.SECONDS.toNanos(30)); // no timing in the test
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> ahead = checkingAhead(known, release);
        AtomicInteger ownChecks = new AtomicInteger();
        CompletableFuture<Boolean> applied = CompletableFuture.supplyAsync(() -> {
            try {
                return known.checkApplied(PRINT, ENTRY, 0, ENTRY.length, SIGNATURE,
                        (b, o, l) -> ownChecks.incrementAndGet() > 0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse("the applier waits while the check runs", applied.isDone());
        release.countDown();
        assertTrue(applied.get(10, TimeUnit.SECONDS));
        ahead.get(10, TimeUnit.SECONDS);
        assertEquals("the applier checked nothing itself", 0, ownChecks.get());
        assertEquals(1, known.taken());
        assertEquals("taken: applied once", 0, known.size());
    }

    /** a check ahead skips an entry the applier is checking (it would only take turns with it on the cores) */
    @Test
    public void aCheckAheadSkipsASignatureTheApplierIsChecking() throws Exception {
        KnownSignatures known = new KnownSignatures();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> applied = CompletableFuture.supplyAsync(() -> {
            try {
                return known.checkApplied(PRINT, ENTRY, 0, ENTRY.length, SIGNATURE, (b, o, l) -> {
                    started.countDown();
                    release.await();
                    return true;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        AtomicInteger aheadChecks = new AtomicInteger();
        known.checkAhead(PRINT, ENTRY, 0, ENTRY.length, SIGNATURE, (b, o, l) -> aheadChecks.incrementAndGet() > 0);
        assertEquals("the check ahead skipped it", 0, aheadChecks.get());
        release.countDown();
        assertTrue(applied.get(10, TimeUnit.SECONDS));
        assertEquals("nothing left known", 0, known.size());
        assertEquals("checked, not taken", 0, known.taken());
    }

    /**
     * A check ahead that does not end within the wait (its thread not running) leaves the applier to check
     * itself; one that found the signature bad does too, so that every replica words the refusal alike
     */
    @Test
    public void theApplierChecksItselfWhenTheCheckAheadIsLateOrFoundItBad() throws Exception {
        KnownSignatures known = new KnownSignatures(TimeUnit.MILLISECONDS.toNanos(100));
        CountDownLatch never = new CountDownLatch(1);
        CompletableFuture<Void> stuck = checkingAhead(known, never);
        long t0 = System.nanoTime();
        assertFalse(known.checkApplied(PRINT, ENTRY, 0, ENTRY.length, SIGNATURE, (b, o, l) -> false));
        long waited = System.nanoTime() - t0;
        assertTrue("waited " + waited / 1000 + " µs", waited >= TimeUnit.MILLISECONDS.toNanos(100)
                && waited < TimeUnit.SECONDS.toNanos(5));
        never.countDown();
        stuck.get(10, TimeUnit.SECONDS);

        byte[] other = {7};
        known.checkAhead(PRINT, ENTRY, 0, ENTRY.length, other, (b, o, l) -> false);
        assertEquals("neither the late check's answer (its entry applied) nor a bad signature is kept", 0,
                known.size());
        AtomicInteger ownChecks = new AtomicInteger();
        assertTrue(known.checkApplied(PRINT, ENTRY, 0, ENTRY.length, other,
                (b, o, l) -> ownChecks.incrementAndGet() > 0));
        assertEquals("checked where applied", 1, ownChecks.get());
        assertEquals(0, known.taken());
    }

    /**
     * The applier takes a known signature by comparing its entry with the bytes that were checked, not by hashing
     * it: the check runs once per entry; other bytes under that signature are checked where applied, and the known
     * one stays for the entry it was made for
     */
    @Test
    public void theApplierComparesItsBytesWithTheBytesChecked() throws Exception {
        KnownSignatures known = new KnownSignatures();
        byte[] arrived = "xx entry of node2 xx".getBytes(StandardCharsets.UTF_8);
        AtomicInteger checks = new AtomicInteger();
        List<String> seen = new java.util.ArrayList<>();
        known.checkAhead(PRINT, arrived, 3, arrived.length - 6, SIGNATURE, (b, o, l) -> {
            checks.incrementAndGet();
            seen.add(new String(b, o, l, StandardCharsets.UTF_8));
            return true;
        });
        assertEquals(List.of("entry of node2"), seen);

        // the applier's copy of the entry (another array, another offset): equal bytes, taken without a check
        byte[] applied = "_entry of node2".getBytes(StandardCharsets.UTF_8);
        assertTrue(known.checkApplied(PRINT, applied, 1, applied.length - 1, SIGNATURE, (b, o, l) -> {
            checks.incrementAndGet();
            return false;
        }));
        assertEquals("taken by a compare", 1, checks.get());
        assertEquals(1, known.taken());

        // the same array and range as checked: taken
        known.checkAhead(PRINT, arrived, 3, arrived.length - 6, SIGNATURE, (b, o, l) -> true);
        assertTrue(known.checkApplied(PRINT, arrived, 3, arrived.length - 6, SIGNATURE, (b, o, l) -> false));
        assertEquals(2, known.taken());

        // known, but the applier's bytes differ (one byte, or the length): checked, and here refused
        known.checkAhead(PRINT, arrived, 3, arrived.length - 6, SIGNATURE, (b, o, l) -> true);
        byte[] forged = "entry of node3".getBytes(StandardCharsets.UTF_8);
        assertFalse(known.checkApplied(PRINT, forged, 0, forged.length, SIGNATURE, (b, o, l) -> false));
        assertFalse(known.checkApplied(PRINT, arrived, 3, arrived.length - 5, SIGNATURE, (b, o, l) -> false));
        assertEquals(2, known.taken());
        byte[] original = Arrays.copyOfRange(arrived, 3, arrived.length - 3);
        assertTrue("the known one stayed for its entry",
                known.checkApplied(PRINT, original, 0, original.length, SIGNATURE, (b, o, l) -> false));
        assertEquals(3, known.taken());
    }

    /** the entries held for signatures never applied (refused, lost with a leader) are bounded in bytes too */
    @Test
    public void theBytesKeptForEntriesNeverAppliedAreBounded() {
        KnownSignatures known = new KnownSignatures();
        byte[] entry = new byte[1 << 20];
        for (int i = 0; i < 100; i++) {
            known.checkAhead(PRINT, entry, 0, entry.length, new byte[] {(byte) i}, (b, o, l) -> true);
        }
        assertTrue("kept " + known.bytesKept() + " bytes for " + known.size() + " entries",
                known.bytesKept() <= (33L << 20) && known.size() <= 33);
        assertTrue("the latest are known", known.size() > 0);
    }
}
