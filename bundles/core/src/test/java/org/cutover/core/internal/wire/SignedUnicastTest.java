package org.cutover.core.internal.wire;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.cutover.core.internal.wire.Envelope.AdjustConfirm;
import org.junit.Test;

/** The signed unicast's frame: what is signed, and refusal of anything truncated or damaged. */
public class SignedUnicastTest {

    private static final LogBatch.Signer FAKE = (buf, offset, length) -> Arrays.copyOfRange(buf, offset,
            offset + Math.min(length, 64));

    @Test
    public void theSignatureCoversSenderReceiverChainAndEnvelope() throws IOException {
        Envelope e = new AdjustConfirm("req-1", "node2");
        byte[] chainCert = {1, 2, 3, 4};
        byte[] bytes = SignedUnicast.encode("node2", "node1", List.of(chainCert), e, FAKE);
        SignedUnicast.View v = SignedUnicast.decode(bytes, 0, bytes.length);
        assertEquals("node2", v.from());
        assertEquals("node1", v.to());
        assertArrayEquals(chainCert, v.chain().get(0));
        assertEquals(e, WireFormat.decode(bytes, v.envelopeOffset(), v.envelopeLength()));
        assertEquals("everything but the signature is signed", bytes.length - 2 - v.signature().length,
                v.signedLength());
        assertArrayEquals(FAKE.sign(bytes, 0, v.signedLength()), v.signature());
    }

    @Test
    public void theMacdFormIsMarkedAndItsMacCoversTheMarkToo() throws IOException {
        Envelope e = new AdjustConfirm("req-1", "node2");
        byte[] signed = SignedUnicast.encode("node2", "node1", List.of(), e, FAKE);
        byte[] macd = SignedUnicast.encodeWithMac("node2", "node1", List.of(), e, FAKE);
        SignedUnicast.View s = SignedUnicast.decode(signed, 0, signed.length);
        SignedUnicast.View m = SignedUnicast.decode(macd, 0, macd.length);
        assertEquals(false, s.mac());
        assertEquals(true, m.mac());
        assertEquals(e, WireFormat.decode(macd, m.envelopeOffset(), m.envelopeLength()));
        assertArrayEquals("what is MAC'd starts with the form's own byte", FAKE.sign(macd, 0, m.signedLength()),
                m.signature());
        assertEquals(SignedUnicast.MAGIC_MAC, macd[0]);
    }

    @Test
    public void truncatedOrDamagedUnicastsAreRefusedWithIOExceptionOnly() {
        byte[] bytes = SignedUnicast.encode("node2", "node1", List.of(new byte[] {7}),
                new AdjustConfirm("req-1", "node2"), FAKE);
        for (int len = 0; len < bytes.length; len++) {
            try {
                SignedUnicast.decode(Arrays.copyOf(bytes, len), 0, len);
                fail("a " + len + "-byte prefix was accepted");
            } catch (IOException expected) {
                // refused
            }
        }
        Random random = new Random(20261201L);
        for (int i = 0; i < 20_000; i++) {
            byte[] damaged = bytes.clone();
            damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
            try {
                SignedUnicast.decode(damaged, 0, damaged.length);
            } catch (IOException refused) {
                // fine: a damaged length or magic byte
            } catch (RuntimeException | OutOfMemoryError ex) {
                throw new AssertionError("seed 20261201, case " + i + ": " + ex, ex);
            }
        }
    }
}
