package org.cutover.infra.internal.level2;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32C;

import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.infra.internal.level1.Level1Protocol;
import org.junit.Test;

public class Level2ProtocolTest {

    private static final String GROUP = "orders";
    private final Level2Protocol level2 = new Level2Protocol();

    @Test
    public void isLevelTwoWithBroadcastAndRequestToAll() {
        assertEquals(2, level2.level());
        assertEquals(Set.of(InfraFunction.ORDERED_BROADCAST, InfraFunction.REQUEST_ALL), level2.functions());
    }

    @Test
    public void everyKindSurvivesARoundTrip() {
        byte[] large = new byte[64 * 1024];
        new Random(11).nextBytes(large);
        Frame[] frames = {
            Frame.data(new byte[0]),
            Frame.data(large),
            new Frame(Frame.Kind.REQUEST, 42, "how many?".getBytes(StandardCharsets.UTF_8)),
            new Frame(Frame.Kind.REPLY, 42, "three".getBytes(StandardCharsets.UTF_8)),
            new Frame(Frame.Kind.REQUEST, Long.MAX_VALUE, new byte[0]),
            new Frame(Frame.Kind.REPLY, -1, large),
        };
        for (Frame frame : frames) {
            Frame decoded = level2.decode(GROUP, level2.encode(GROUP, frame));
            assertEquals(frame.kind(), decoded.kind());
            assertEquals(frame.requestId(), decoded.requestId());
            assertArrayEquals(frame.payload(), decoded.payload());
        }
    }

    @Test
    public void encodesTheDocumentedBytes() {
        byte[] encoded = level2.encode(GROUP, new Frame(Frame.Kind.REPLY, 0x0102030405060708L, new byte[] {'O', 'K'}));
        byte[] header = {2, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 2};
        assertArrayEquals(header, Arrays.copyOfRange(encoded, 0, 15));
        CRC32C crc = new CRC32C();
        crc.update(header);
        crc.update(new byte[] {'O', 'K'});
        assertEquals((int) crc.getValue(), ByteBuffer.wrap(encoded, 15, 4).getInt());
        assertArrayEquals(new byte[] {'O', 'K'}, Arrays.copyOfRange(encoded, 19, encoded.length));
        assertEquals(21, encoded.length);
    }

    @Test
    public void dataFrameWithARequestIdIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> level2.encode(GROUP, new Frame(Frame.Kind.DATA, 5, new byte[] {1})));
        byte[] bytes = level2.encode(GROUP, Frame.data(new byte[] {1}));
        bytes[10] = 5;
        assertRejected(reseal(bytes), "DATA frame with request id 5");
    }

    @Test
    public void nullAndEveryTruncationAreRejected() {
        assertRejected(null, "no bytes");
        byte[] valid = level2.encode(GROUP, new Frame(Frame.Kind.REQUEST, 7, "payload".getBytes(StandardCharsets.UTF_8)));
        for (int length = 0; length < valid.length; length++) {
            assertRejected(Arrays.copyOf(valid, length), length < ChecksummedFrames.HEADER_LENGTH ? "truncated" : "bad length");
        }
        assertRejected(Arrays.copyOf(valid, valid.length + 1), "bad length");
    }

    @Test
    public void everySingleBitFlipIsRejected() {
        for (Frame frame : new Frame[] {Frame.data("abc".getBytes(StandardCharsets.UTF_8)),
                new Frame(Frame.Kind.REQUEST, 99, "question".getBytes(StandardCharsets.UTF_8))}) {
            byte[] valid = level2.encode(GROUP, frame);
            for (int bit = 0; bit < valid.length * 8; bit++) {
                byte[] bytes = valid.clone();
                bytes[bit / 8] ^= (byte) (1 << (bit % 8));
                assertRejected(bytes, "level-2 frame");
            }
        }
    }

    @Test
    public void corruptedPayloadIsCaughtByTheChecksum() {
        byte[] bytes = level2.encode(GROUP, Frame.data("amount=100".getBytes(StandardCharsets.UTF_8)));
        bytes[bytes.length - 1] = '9';
        assertRejected(bytes, "checksum mismatch");
    }

    @Test
    public void wrongLevelIsRejectedIncludingLevelOneFrames() {
        byte[] levelOneFrame = new Level1Protocol().encode(GROUP, Frame.data(new byte[32]));
        assertRejected(levelOneFrame, "not a level-2 frame");
        byte[] valid = level2.encode(GROUP, Frame.data(new byte[] {4}));
        for (byte level : new byte[] {0, 1, 3, (byte) 0xff}) {
            byte[] bytes = valid.clone();
            bytes[0] = level;
            assertRejected(bytes, "not a level-2 frame");
        }
        IllegalArgumentException byLevelOne = assertThrows(IllegalArgumentException.class,
                () -> new Level1Protocol().decode(GROUP, valid));
        assertTrue(byLevelOne.getMessage(), byLevelOne.getMessage().contains("not a level-1 frame"));
    }

    @Test
    public void unknownFormatIsRejectedEvenWithAValidChecksum() {
        byte[] bytes = level2.encode(GROUP, Frame.data(new byte[] {4}));
        bytes[1] = 2;
        assertRejected(reseal(bytes), "unknown format 2");
    }

    @Test
    public void unknownKindIsRejectedEvenWithAValidChecksum() {
        for (byte kind : new byte[] {3, 9, (byte) 0x80}) {
            byte[] bytes = level2.encode(GROUP, Frame.data(new byte[] {4}));
            bytes[2] = kind;
            assertRejected(reseal(bytes), "unknown kind " + Byte.toUnsignedInt(kind));
        }
    }

    @Test
    public void negativeAndHugeLengthsAreRejectedWithoutAllocating() {
        for (int length : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 30}) {
            byte[] bytes = level2.encode(GROUP, Frame.data(new byte[3]));
            ByteBuffer.wrap(bytes, 11, 4).putInt(length);
            assertRejected(bytes, "bad length");
        }
    }

    @Test
    public void seededNoiseAndSingleByteDamageAreAlwaysRejected() {
        Random random = new Random(0x5eed2L);
        for (int i = 0; i < 20_000; i++) {
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            if (random.nextInt(4) == 0 && noise.length > 1) {
                noise[0] = Level2Protocol.LEVEL;
                noise[1] = ChecksummedFrames.FORMAT;
            }
            assertThrows(IllegalArgumentException.class, () -> level2.decode(GROUP, noise));

            byte[] payload = new byte[random.nextInt(48)];
            random.nextBytes(payload);
            Frame.Kind kind = Frame.Kind.values()[random.nextInt(3)];
            byte[] damaged = level2.encode(GROUP, new Frame(kind, kind == Frame.Kind.DATA ? 0 : random.nextLong(), payload));
            int position = random.nextInt(damaged.length);
            damaged[position] ^= (byte) (1 + random.nextInt(255));
            assertThrows(IllegalArgumentException.class, () -> level2.decode(GROUP, damaged));
        }
    }

    /** rewrites the checksum so that only the field the test changed is wrong */
    private static byte[] reseal(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, ChecksummedFrames.CHECKSUM_OFFSET);
        crc.update(bytes, ChecksummedFrames.HEADER_LENGTH, bytes.length - ChecksummedFrames.HEADER_LENGTH);
        ByteBuffer.wrap(bytes, ChecksummedFrames.CHECKSUM_OFFSET, 4).putInt((int) crc.getValue());
        return bytes;
    }

    private void assertRejected(byte[] bytes, String expectedWords) {
        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class,
                () -> level2.decode(GROUP, bytes));
        assertTrue(rejected.getMessage(), rejected.getMessage().contains(expectedWords));
        assertTrue(rejected.getMessage(), rejected.getMessage().contains(GROUP));
    }

    /** the cluster log hands a frame as a range of its entry: bytes around it, before and after, are not read */
    @Test
    public void aFrameInsideALargerBufferIsReadAtItsOffset() {
        Frame frame = new Frame(Frame.Kind.REQUEST, 7, "in place".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = level2.encode(GROUP, frame);
        byte[] entry = new byte[bytes.length + 9];
        Arrays.fill(entry, (byte) 0x5A);
        System.arraycopy(bytes, 0, entry, 4, bytes.length);
        Frame decoded = level2.decode(GROUP, entry, 4, bytes.length);
        assertEquals(frame.kind(), decoded.kind());
        assertEquals(frame.requestId(), decoded.requestId());
        assertArrayEquals(frame.payload(), decoded.payload());
        assertThrows(IllegalArgumentException.class, () -> level2.decode(GROUP, entry, 4, bytes.length - 1));
        assertThrows(IllegalArgumentException.class, () -> level2.decode(GROUP, entry, 3, bytes.length));
    }
}
