package org.cutover.core.internal.wire;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.Test;

public class LogBatchTest {

    private static List<Envelope> samples() {
        return WireFormatTest.SAMPLES;
    }

    private static final LogBatch.Identity IDENTITY = new LogBatch.Identity(
            List.of(new byte[] {1, 2, 3}, new byte[] {4}), List.of(new byte[] {5, 6}));

    /** a stand-in signature: a digest of the signed bytes, so that the test sees what was signed */
    private static byte[] sign(byte[] buf, int offset, int length) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(buf, offset, length);
            return md.digest();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** an entry as the log link sends it: its range of the buffer it was written into */
    private static byte[] entry(String author, long session, long number) {
        return LogBatch.encode(author, session, number, IDENTITY, samples(), LogBatchTest::sign).toArray();
    }

    @Test
    public void theIdentityAndTheSignatureOfEverythingBeforeItComeBack() throws IOException {
        byte[] entry = entry("node2", 1, 1);
        LogBatch.View v = LogBatch.decode(entry, 0, entry.length);
        assertEquals(2, v.identity().chain().size());
        assertArrayEquals(new byte[] {1, 2, 3}, v.identity().chain().get(0));
        assertArrayEquals(new byte[] {5, 6}, v.identity().authorities().get(0));
        assertEquals("the signature is the last thing", entry.length - 2 - 32, v.signedLength());
        assertArrayEquals(sign(entry, 0, v.signedLength()), v.signature());
        byte[] none = LogBatch.encode("node2", 1, 2, LogBatch.Identity.NONE, samples(), LogBatchTest::sign)
                .toArray();
        assertEquals(LogBatch.Identity.NONE.chain(), LogBatch.decode(none, 0, none.length).identity().chain());
    }

    @Test
    public void anEntryGivesBackItsAuthorNumberAndEveryEnvelopeInOrder() throws IOException {
        List<Envelope> envelopes = samples();
        byte[] entry = entry("node2", -42L, 7);
        LogBatch.View v = LogBatch.decode(entry, 0, entry.length);
        assertEquals("node2", v.author());
        assertEquals(-42L, v.session());
        assertEquals(7, v.number());
        List<byte[]> back = LogBatch.envelopes(entry, v);
        assertEquals(envelopes.size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            assertArrayEquals("envelope " + i, WireFormat.encode(envelopes.get(i)), back.get(i));
        }
    }

    @Test
    public void anEntryInsideALargerBufferIsReadAtItsOffset() throws IOException {
        byte[] entry = entry("n", 1, 2);
        byte[] padded = new byte[entry.length + 10];
        System.arraycopy(entry, 0, padded, 5, entry.length);
        LogBatch.View v = LogBatch.decode(padded, 5, entry.length);
        assertEquals(WireFormatTest.SAMPLES.size(), v.offsets().length);
        Envelope first = WireFormat.decode(padded, v.offsets()[0], v.lengths()[0]);
        assertEquals(WireFormatTest.SAMPLES.get(0).getClass(), first.getClass());
    }

    @Test
    public void everyTruncationIsRefusedWithIOException() {
        byte[] entry = entry("node1", 5, 9);
        for (int len = 0; len < entry.length; len++) {
            try {
                LogBatch.decode(Arrays.copyOf(entry, len), 0, len);
                fail("a " + len + "-byte prefix was accepted");
            } catch (IOException expected) {
                // refused
            }
        }
    }

    @Test
    public void mutatedEntriesNeverThrowAnythingButIOException() {
        Random random = new Random(20261130L);
        byte[] entry = entry("node1", 5, 9);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = entry.clone();
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            try {
                LogBatch.View v = LogBatch.decode(bytes, 0, bytes.length);
                for (int e = 0; e < v.offsets().length; e++) {
                    WireFormat.decode(bytes, v.offsets()[e], v.lengths()[e]);
                }
            } catch (IOException refused) {
                // fine
            } catch (RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("seed 20261130, case " + i + ": " + e, e);
            }
        }
    }
}
