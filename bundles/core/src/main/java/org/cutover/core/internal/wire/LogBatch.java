package org.cutover.core.internal.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jgroups.util.ByteArrayDataOutputStream;

/**
 * One entry of the cluster log: many envelopes of one author node, in the
 * order that node queued them. Batching is what makes a majority-committed log
 * fast enough for group data: one commit round carries hundreds of messages.
 * The author's session (random per start) and batch number let the author
 * match the entry to its waiting callers when it applies it; other nodes
 * ignore them.
 *
 * <p>Layout: magic, author (UTF-8, length-prefixed), session, number, count,
 * then per envelope its length and its {@link WireFormat} bytes.
 */
public final class LogBatch {

    static final byte MAGIC = (byte) 0xC8;
    /** no entry is bigger than the largest frame JGroups' FRAG4 and our decoders accept */
    public static final int MAX_BYTES = 8 << 20;

    private LogBatch() {
    }

    /** the entry: each envelope is encoded straight into it (no copy of its own first) */
    public static Slice encode(String author, long session, long number, List<Envelope> envelopes) {
        byte[] name = author.getBytes(StandardCharsets.UTF_8);
        int hint = 1 + 2 + name.length + 8 + 8 + 4;
        for (Envelope e : envelopes) {
            hint += 4 + WireFormat.sizeHint(e);
        }
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(hint, true); // geometric growth beyond the hint
        out.writeByte(MAGIC);
        out.writeShort(name.length);
        out.write(name);
        out.writeLong(session);
        out.writeLong(number);
        out.writeInt(envelopes.size());
        for (Envelope e : envelopes) {
            int at = out.position();
            out.writeInt(0); // its length, filled in below
            WireFormat.write(out, e);
            ByteBuffer.wrap(out.buffer()).putInt(at, out.position() - at - Integer.BYTES);
        }
        return new Slice(out.buffer(), 0, out.position());
    }

    /** the envelopes are views into {@code buf}: decode each with {@link WireFormat#decode} */
    public record View(String author, long session, long number, int[] offsets, int[] lengths) {
    }

    public static View decode(byte[] buf, int offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, offset, length);
        try {
            if (b.get() != MAGIC) {
                throw new IOException("not a Cutover log entry (bad magic byte)");
            }
            int nameLength = Short.toUnsignedInt(b.getShort());
            if (nameLength > b.remaining()) {
                throw new IOException("author name of " + nameLength + " bytes exceeds the entry");
            }
            String author = new String(buf, b.position(), nameLength, StandardCharsets.UTF_8);
            b.position(b.position() + nameLength);
            long session = b.getLong();
            long number = b.getLong();
            int count = b.getInt();
            // every envelope takes at least its 4-byte length and 2 bytes: a count beyond that is a lie
            if (count < 0 || count > b.remaining() / 6) {
                throw new IOException("envelope count " + count + " is out of range");
            }
            int[] offsets = new int[count];
            int[] lengths = new int[count];
            for (int i = 0; i < count; i++) {
                int n = b.getInt();
                if (n < 2 || n > b.remaining()) {
                    throw new IOException("envelope " + i + " of " + n + " bytes exceeds the entry");
                }
                offsets[i] = b.position();
                lengths[i] = n;
                b.position(b.position() + n);
            }
            if (b.hasRemaining()) {
                throw new IOException(b.remaining() + " trailing bytes after " + count + " envelopes");
            }
            return new View(author, session, number, offsets, lengths);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("log entry truncated", e);
        }
    }

    /** for tests: the envelopes as copies */
    public static List<byte[]> envelopes(byte[] buf, View v) {
        List<byte[]> list = new ArrayList<>(v.offsets().length);
        for (int i = 0; i < v.offsets().length; i++) {
            list.add(java.util.Arrays.copyOfRange(buf, v.offsets()[i], v.offsets()[i] + v.lengths()[i]));
        }
        return list;
    }
}
