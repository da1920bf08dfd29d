package org.cutover.infra.internal.level1;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.InfraFunction;
import org.cutover.api.ReasonCode;
import org.cutover.api.spi.Frame;
import org.junit.Test;

public class Level1ProtocolTest {

    private static final String GROUP = "orders";
    private final Level1Protocol level1 = new Level1Protocol();

    @Test
    public void isLevelOneWithOrderedBroadcastOnly() {
        assertEquals(1, level1.level());
        assertEquals(Set.of(InfraFunction.ORDERED_BROADCAST), level1.functions());
    }

    @Test
    public void dataFramesSurviveARoundTrip() {
        byte[] large = new byte[64 * 1024];
        new Random(7).nextBytes(large);
        for (byte[] payload : new byte[][] {new byte[0], "hello".getBytes(StandardCharsets.UTF_8), large}) {
            Frame decoded = level1.decode(GROUP, level1.encode(GROUP, Frame.data(payload)));
            assertEquals(Frame.Kind.DATA, decoded.kind());
            assertEquals(0, decoded.requestId());
            assertArrayEquals(payload, decoded.payload());
        }
    }

    @Test
    public void encodesTheDocumentedBytes() {
        byte[] expected = {1, 0, 0, 0, 0, 2, 'A', 'B'};
        assertArrayEquals(expected, level1.encode(GROUP, Frame.data(new byte[] {'A', 'B'})));
        assertArrayEquals(new byte[] {'A', 'B'}, level1.decode(GROUP, expected).payload());
    }

    @Test
    public void requestAndReplyAreRefusedAsUnavailableFunctions() {
        for (Frame.Kind kind : new Frame.Kind[] {Frame.Kind.REQUEST, Frame.Kind.REPLY}) {
            FunctionUnavailableException refused = assertThrows(FunctionUnavailableException.class,
                    () -> level1.encode(GROUP, new Frame(kind, 42, new byte[] {1})));
            assertEquals(ReasonCode.FUNCTION_UNAVAILABLE, refused.code());
            assertEquals(InfraFunction.REQUEST_ALL, refused.function());
            assertEquals(1, refused.level());
        }
    }

    @Test
    public void dataFrameWithARequestIdIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> level1.encode(GROUP, new Frame(Frame.Kind.DATA, 5, new byte[] {1})));
    }

    @Test
    public void nullAndEveryTruncationAreRejected() {
        assertRejected(null, "no bytes");
        byte[] valid = level1.encode(GROUP, Frame.data("payload".getBytes(StandardCharsets.UTF_8)));
        for (int length = 0; length < valid.length; length++) {
            assertRejected(Arrays.copyOf(valid, length), length < Level1Protocol.HEADER_LENGTH ? "truncated" : "bad length");
        }
    }

    @Test
    public void trailingBytesAreRejected() {
        byte[] valid = level1.encode(GROUP, Frame.data(new byte[] {9, 9}));
        assertRejected(Arrays.copyOf(valid, valid.length + 1), "bad length");
    }

    @Test
    public void wrongLevelByteIsRejected() {
        byte[] valid = level1.encode(GROUP, Frame.data(new byte[] {9}));
        for (byte level : new byte[] {0, 2, (byte) 0xff}) {
            byte[] bytes = valid.clone();
            bytes[0] = level;
            assertRejected(bytes, "not a level-1 frame");
        }
    }

    @Test
    public void unknownKindIsRejected() {
        byte[] valid = level1.encode(GROUP, Frame.data(new byte[] {9}));
        for (byte kind : new byte[] {1, 2, 7, (byte) 0x80}) {
            byte[] bytes = valid.clone();
            bytes[1] = kind;
            assertRejected(bytes, "unknown kind");
        }
    }

    @Test
    public void negativeAndHugeLengthsAreRejectedWithoutAllocating() {
        for (int length : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 30}) {
            byte[] bytes = ByteBuffer.allocate(Level1Protocol.HEADER_LENGTH + 3)
                    .put((byte) 1).put((byte) 0).putInt(length).put(new byte[3]).array();
            assertRejected(bytes, "bad length");
        }
    }

    @Test
    public void everySingleBitFlipInTheHeaderIsRejected() {
        byte[] valid = level1.encode(GROUP, Frame.data("abc".getBytes(StandardCharsets.UTF_8)));
        for (int bit = 0; bit < Level1Protocol.HEADER_LENGTH * 8; bit++) {
            byte[] bytes = valid.clone();
            bytes[bit / 8] ^= (byte) (1 << (bit % 8));
            assertRejected(bytes, "level-1");
        }
    }

    @Test
    public void seededRandomBytesDecodeOnlyWhenWellFormed() {
        Random random = new Random(0x5eed1L);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = randomCandidate(random);
            if (isWellFormedLevel1(bytes)) {
                assertEquals(bytes.length - Level1Protocol.HEADER_LENGTH, level1.decode(GROUP, bytes).payload().length);
                accepted++;
            } else {
                assertThrows(IllegalArgumentException.class, () -> level1.decode(GROUP, bytes));
            }
        }
        assertTrue("the generator should also produce well-formed frames, produced " + accepted, accepted > 100);
    }

    /** half pure noise, half a valid frame that was cut, extended or had one random byte replaced */
    private byte[] randomCandidate(Random random) {
        if (random.nextBoolean()) {
            byte[] noise = new byte[random.nextInt(40)];
            random.nextBytes(noise);
            return noise;
        }
        byte[] payload = new byte[random.nextInt(20)];
        random.nextBytes(payload);
        byte[] valid = level1.encode(GROUP, Frame.data(payload));
        switch (random.nextInt(4)) {
            case 0:
                return Arrays.copyOf(valid, random.nextInt(valid.length));
            case 1:
                return Arrays.copyOf(valid, valid.length + 1 + random.nextInt(4));
            case 2:
                valid[random.nextInt(valid.length)] = (byte) random.nextInt(256);
                return valid;
            default:
                return valid;
        }
    }

    private static boolean isWellFormedLevel1(byte[] bytes) {
        return bytes.length >= 6 && bytes[0] == 1 && bytes[1] == 0
                && ByteBuffer.wrap(bytes, 2, 4).getInt() == bytes.length - 6;
    }

    private void assertRejected(byte[] bytes, String expectedWords) {
        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class,
                () -> level1.decode(GROUP, bytes));
        assertTrue(rejected.getMessage(), rejected.getMessage().contains(expectedWords));
        assertTrue(rejected.getMessage(), rejected.getMessage().contains(GROUP));
    }

    /** the cluster log hands a frame as a range of its entry: bytes around it, before and after, are not read */
    @Test
    public void aFrameInsideALargerBufferIsReadAtItsOffset() {
        Frame frame = Frame.data("in place".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = level1.encode(GROUP, frame);
        byte[] entry = new byte[bytes.length + 9];
        Arrays.fill(entry, (byte) 0x5A);
        System.arraycopy(bytes, 0, entry, 4, bytes.length);
        Frame decoded = level1.decode(GROUP, entry, 4, bytes.length);
        assertEquals(frame.kind(), decoded.kind());
        assertEquals(frame.requestId(), decoded.requestId());
        assertArrayEquals(frame.payload(), decoded.payload());
        assertThrows(IllegalArgumentException.class, () -> level1.decode(GROUP, entry, 4, bytes.length - 1));
        assertThrows(IllegalArgumentException.class, () -> level1.decode(GROUP, entry, 3, bytes.length));
    }
}
