package org.cutover.core.internal.wire;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import org.cutover.core.internal.wire.Envelope.*;
import org.junit.Test;

public class WireFormatTest {

    static final List<Envelope> SAMPLES = List.of(
            new Hello("node1", "uuid-1", "127.0.0.1:7800", new TreeSet<>(List.of(1, 2)),
                    Map.of("kv", List.of("node1#1", "node1#2")), List.of(new GroupVersion("kv", 2, 5)), true, 3),
            new CapabilityChanged("node2", new TreeSet<>(List.of(1))),
            new Goodbye("node3"),
            new ViewChanged(3, 7, List.of("a", "b")),
            new RemoveNode("node4", "node1"),
            new Join("kv", "node1#1", "node1"),
            new Leave("kv", "node1#1"),
            new Adjust("req", "node1", 2, List.of(new GroupVersion("kv", 1, 1), new GroupVersion("x", 1, 4)), 99L),
            new Adjust("auto", "node1", 2, List.of(new GroupVersion("kv", 1, 1)), 98L, Envelope.Asker.NODE,
                    Adjust.AUTOMATIC),
            new Adjust("rev", "node2", 1, List.of(new GroupVersion("kv", 2, 2)), 97L, Envelope.Asker.NODE,
                    Adjust.REVERT + "check 'kv answers' CRITICAL on node2", true),
            new AdjustConfirm("req", "node2"),
            new AdjustDone("req", 1234, "APPLIED"),
            new GroupData("kv", "node1#1", 2, Slice.of(new byte[] {1, 2, 3})),
            new Reply("kv", "node2#1", 2, Slice.of(new byte[] {4})),
            new GroupState("kv", "node2#1", new byte[] {7}),
            new GroupState("kv", "node2#1", null),
            new ForceVoters("node1", List.of("node1", "node2")),
            new MajorityRecovered("node1", List.of("node1"), 42L),
            new MajorityRecovered("node1", List.of("node1"), 42L, new Asker("ada", List.of("admin"))),
            new ImportHistory("node1", new byte[] {0, 0, 0, 0}),
            new AddNode("node4", "node1", 43L, new Asker("ada", List.of("admin", "viewer"))),
            new SetAcl("adjust", List.of("admin", "operator"), "node1", 44L, Asker.NODE),
            new Hold(List.of("kv", "orders"), true, "node1", 45L, new Asker("ada", List.of("admin"))),
            new Hold(List.of(), false, "node2", 46L, Asker.NODE),
            new UpgradeStart("u-1", "cutover-infra/2.0.0", 1, false, false, "node1", 47L, new Asker("ada", List.of("admin"))),
            new UpgradeStart("u-2", "cutover-infra/1.0.0", 3, true, true, "node2", 48L, Asker.NODE),
            new UpgradeStart("u-3", "cutover-infra/3.0.0", 1, false, false, "node1", 49L, Asker.NODE,
                    new Envelope.Kar("cutover-infra-3.kar", Envelope.Kar.sha256Of(new byte[] {5, 6}), new byte[] {5, 6})),
            new UpgradeProgress("u-1", "node2", "CAPABLE", "installed cutover-infra/2.0.0 in 210 ms; runs levels [1, 2]",
                    49L),
            new UpgradeAbort("u-1", "node3", 50L, new Asker("ada", List.of("admin"))),
            new RevokeCertificate("node3", "ab".repeat(32), "node1", 51L, new Asker("ada", List.of("admin"))));

    @Test
    public void everyKindSurvivesARoundTrip() throws IOException {
        for (Envelope e : SAMPLES) {
            byte[] bytes = WireFormat.encode(e);
            Envelope back = WireFormat.decode(bytes, 0, bytes.length);
            assertEquals(e.getClass(), back.getClass());
            // records with byte[] compare by identity: compare the re-encoding instead
            assertArrayEquals(e.toString(), bytes, WireFormat.encode(back));
        }
    }

    /** the hint sizes the entry's buffer: one that is too small grows, copying everything written so far */
    @Test
    public void theSizeHintHoldsTheWholeEnvelope() {
        List<GroupVersion> many = java.util.stream.IntStream.range(0, 1000)
                .mapToObj(i -> new GroupVersion("group-" + i, 1, i)).toList();
        List<Envelope> big = List.of(
                new Adjust(java.util.UUID.randomUUID().toString(), "node1", 2, many, 99L),
                new Hello("node1", java.util.UUID.randomUUID().toString(), "127.0.0.1:7800", new TreeSet<>(List.of(1)),
                        Map.of("kv", java.util.Collections.nCopies(500, "node1#123456")), many, true, 3),
                new ViewChanged(3, 7, java.util.Collections.nCopies(100, java.util.UUID.randomUUID().toString())));
        for (Envelope e : java.util.stream.Stream.concat(SAMPLES.stream(), big.stream()).toList()) {
            int length = WireFormat.encode(e).length;
            if (length > WireFormat.sizeHint(e)) {
                fail(e.getClass().getSimpleName() + ": " + length + " bytes, hint " + WireFormat.sizeHint(e));
            }
        }
    }

    /** the frame is read where it lies in the log entry: every message would otherwise be copied once more */
    @Test
    public void aGroupMessageFrameIsDecodedInPlace() throws IOException {
        byte[] frame = {9, 8, 7, 6};
        byte[] bytes = WireFormat.encode(new GroupData("kv", "node1#1", 2, Slice.of(frame)));
        byte[] entry = new byte[bytes.length + 7];
        System.arraycopy(bytes, 0, entry, 3, bytes.length);
        GroupData back = (GroupData) WireFormat.decode(entry, 3, bytes.length);
        assertSame(entry, back.frame().array());
        assertArrayEquals(frame, back.frame().toArray());
    }

    @Test
    public void truncatedEnvelopesAreRefusedWithIOException() {
        for (Envelope e : SAMPLES) {
            byte[] bytes = WireFormat.encode(e);
            for (int len = 0; len < bytes.length; len++) {
                try {
                    WireFormat.decode(Arrays.copyOf(bytes, len), 0, len);
                    fail("a " + len + "-byte prefix of " + e + " was accepted");
                } catch (IOException expected) {
                    // refused
                }
            }
        }
    }

    @Test
    public void randomAndMutatedBytesNeverThrowAnythingButIOException() {
        Random random = new Random(20261126L);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
            } else {
                bytes = WireFormat.encode(SAMPLES.get(random.nextInt(SAMPLES.size())));
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            try {
                WireFormat.decode(bytes, 0, bytes.length);
            } catch (IOException e) {
                refused++;
            } catch (RuntimeException | OutOfMemoryError e) {
                throw new AssertionError("seed 20261126, case " + i + ": " + e, e);
            }
        }
        // every purely random buffer lacks the magic byte with probability 255/256
        org.junit.Assert.assertTrue("refused " + refused, refused > 9_000);
    }

    /** the ASCII fast path reads what DataInput.readUTF reads, whatever the string; the rest goes to readUTF */
    @Test
    public void everyStringReadsAsReadUtfReadsIt() throws IOException {
        List<String> strings = List.of("", "kv", "node1#17", "gr\u00fc\u00dfe", "\u65e5\u672c", "a\u0000b", "\u007f",
                "\u0080", "x".repeat(5000), "\ud83d\ude00 emoji");
        for (String s : strings) {
            org.jgroups.util.ByteArrayDataOutputStream out = new org.jgroups.util.ByteArrayDataOutputStream();
            out.writeUTF(s);
            out.writeInt(42); // what follows is read from where the string ends
            byte[] bytes = Arrays.copyOf(out.buffer(), out.position());
            org.jgroups.util.ByteArrayDataInputStream in = new org.jgroups.util.ByteArrayDataInputStream(bytes);
            assertEquals(s, WireFormat.utf(in));
            assertEquals(42, in.readInt());
            Adjust a = new Adjust("req", "node1", 2, List.of(new GroupVersion(s, 1, 3)), 9L);
            assertEquals(a, WireFormat.decode(WireFormat.encode(a), 0, WireFormat.encode(a).length));
        }
        // a length past the end fails as readUTF fails, and JGroups' null (length 0xffff) stays null
        byte[] cut = {0, 5, 'a', 'b'};
        try {
            WireFormat.utf(new org.jgroups.util.ByteArrayDataInputStream(cut));
            fail("a string cut short was read");
        } catch (java.io.EOFException expected) {
            // as readUTF
        }
        byte[] nul = new byte[70_000];
        Arrays.fill(nul, (byte) 'a');
        nul[0] = (byte) 0xff;
        nul[1] = (byte) 0xff;
        assertEquals(null, WireFormat.utf(new org.jgroups.util.ByteArrayDataInputStream(nul)));
    }
}
