package org.cutover.infra.internal.level3;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.cutover.infra.batch.Batches;
import org.cutover.infra.internal.level2.Level2Protocol;
import org.junit.Test;

public class Level3ProtocolTest {

    private static final String GROUP = "kv";
    private final InfraProtocol level3 = new Level3Protocol();

    @Test
    public void isLevelThreeWithLevelTwosFunctionsAndBatches() {
        assertEquals(3, level3.level());
        assertEquals(Set.of(InfraFunction.ORDERED_BROADCAST, InfraFunction.REQUEST_ALL), level3.functions());
        assertEquals(Set.of(Batches.FUNCTION), level3.extensions());
        assertEquals(Set.of(), new Level2Protocol().extensions());
    }

    @Test
    public void aBatchDeliversItsMessagesInOrder() {
        Random random = new Random(3);
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] m = new byte[random.nextInt(200)];
            random.nextBytes(m);
            messages.add(m);
        }
        byte[] encoded = level3.encodeExtension(GROUP, Batches.FUNCTION, BatchFormat.pack(messages));
        assertEquals("level byte", 3, encoded[0]);
        assertEquals("kind EXTENSION", 3, encoded[2]);
        Frame frame = level3.decode(GROUP, encoded, 0, encoded.length);
        assertEquals(Frame.Kind.EXTENSION, frame.kind());
        List<byte[]> delivered = level3.messages(GROUP, frame);
        assertEquals(messages.size(), delivered.size());
        for (int i = 0; i < messages.size(); i++) {
            assertArrayEquals("message " + i, messages.get(i), delivered.get(i));
        }
    }

    @Test
    public void dataRequestsAndRepliesFrameAsInLevelTwoWithLevelByteThree() {
        Frame[] frames = {Frame.data("x".getBytes(StandardCharsets.UTF_8)),
            new Frame(Frame.Kind.REQUEST, 7, new byte[] {1}), new Frame(Frame.Kind.REPLY, 7, new byte[0])};
        Level2Protocol level2 = new Level2Protocol();
        for (Frame f : frames) {
            byte[] three = level3.encode(GROUP, f);
            byte[] two = level2.encode(GROUP, f);
            assertEquals(3, three[0]);
            // the same layout: only the level byte and therefore the checksum differ
            assertArrayEquals(Arrays.copyOfRange(two, 1, 15), Arrays.copyOfRange(three, 1, 15));
            assertArrayEquals(Arrays.copyOfRange(two, 19, two.length), Arrays.copyOfRange(three, 19, three.length));
            Frame back = level3.decode(GROUP, three);
            assertEquals(f.kind(), back.kind());
            assertEquals(f.requestId(), back.requestId());
            assertArrayEquals(f.payload(), back.payload());
            IllegalArgumentException cross = assertThrows(IllegalArgumentException.class,
                    () -> level2.decode(GROUP, three));
            assertTrue(cross.getMessage(), cross.getMessage().contains("not a level-2 frame"));
        }
        assertEquals(List.of("x"), level3.messages(GROUP, level3.decode(GROUP, level3.encode(GROUP, frames[0])))
                .stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
    }

    @Test
    public void anUnknownFunctionIsUnavailableAndLowerLevelsBringNone() {
        FunctionUnavailableException e = assertThrows(FunctionUnavailableException.class,
                () -> level3.encodeExtension(GROUP, "compare-and-set", new byte[0]));
        assertEquals("compare-and-set", e.extension());
        assertEquals(3, e.level());
        FunctionUnavailableException two = assertThrows(FunctionUnavailableException.class,
                () -> new Level2Protocol().encodeExtension(GROUP, Batches.FUNCTION, BatchFormat.pack(
                        List.of(new byte[1]))));
        assertTrue(two.getMessage(), two.getMessage().contains("level 2"));
        assertThrows(IllegalArgumentException.class, () -> new Level2Protocol().encode(GROUP,
                new Frame(Frame.Kind.EXTENSION, Level3Protocol.BATCH_CODE, new byte[4])));
    }

    @Test
    public void onlyWhatEveryMemberCanReadIsEncoded() {
        byte[] notABatch = ByteBuffer.allocate(8).putInt(2).putInt(100).array();
        assertThrows(IllegalArgumentException.class,
                () -> level3.encodeExtension(GROUP, Batches.FUNCTION, notABatch));
        assertThrows(IllegalArgumentException.class, () -> level3.encode(GROUP,
                new Frame(Frame.Kind.EXTENSION, 99, BatchFormat.pack(List.of(new byte[1])))));
        assertThrows(IllegalArgumentException.class, () -> BatchFormat.pack(List.of()));
        List<byte[]> tooMany = new ArrayList<>();
        for (int i = 0; i <= Batches.MAX_MESSAGES; i++) {
            tooMany.add(new byte[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> BatchFormat.pack(tooMany));
    }

    @Test
    public void aDamagedBatchIsRefusedWhereItIsRead() {
        byte[] packed = BatchFormat.pack(List.of("a".getBytes(StandardCharsets.UTF_8),
                "bc".getBytes(StandardCharsets.UTF_8)));
        for (int length = 0; length < packed.length; length++) {
            byte[] cut = Arrays.copyOf(packed, length);
            assertThrows("cut at " + length, IllegalArgumentException.class, () -> BatchFormat.unpack(cut));
        }
        byte[] trailing = Arrays.copyOf(packed, packed.length + 1);
        assertThrows(IllegalArgumentException.class, () -> BatchFormat.unpack(trailing));
        // a frame whose bytes were damaged after encoding fails its checksum before the batch is read
        byte[] frame = level3.encodeExtension(GROUP, Batches.FUNCTION, packed);
        frame[frame.length - 1] ^= 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> level3.decode(GROUP, frame));
        assertTrue(e.getMessage(), e.getMessage().contains("checksum"));
        assertThrows(IllegalArgumentException.class, () -> level3.messages(GROUP,
                new Frame(Frame.Kind.REQUEST, 1, packed)));
    }
}
