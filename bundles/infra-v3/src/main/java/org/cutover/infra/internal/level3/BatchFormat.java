package org.cutover.infra.internal.level3;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.cutover.infra.batch.Batches;

/**
 * An atomic batch as the payload of a level-3 EXTENSION frame, big-endian: the
 * message count n (4 bytes), then n times a length (4 bytes) and the message's
 * bytes. The frame's checksum covers it.
 */
final class BatchFormat {

    private BatchFormat() {
    }

    static byte[] pack(List<byte[]> messages) {
        if (messages.isEmpty() || messages.size() > Batches.MAX_MESSAGES) {
            throw new IllegalArgumentException("a batch holds 1 to " + Batches.MAX_MESSAGES + " messages, not "
                    + messages.size());
        }
        long size = Integer.BYTES;
        for (byte[] m : messages) {
            size += Integer.BYTES + m.length;
        }
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a batch of " + size + " bytes does not fit one frame");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).putInt(messages.size());
        for (byte[] m : messages) {
            out.putInt(m.length).put(m);
        }
        return out.array();
    }

    /** @throws IllegalArgumentException if the bytes are not a batch */
    static List<byte[]> unpack(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.remaining() < Integer.BYTES) {
            throw new IllegalArgumentException("a batch of " + bytes.length + " bytes has no count");
        }
        int count = in.getInt();
        if (count < 1 || count > Batches.MAX_MESSAGES) {
            throw new IllegalArgumentException("a batch says it holds " + count + " messages");
        }
        List<byte[]> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (in.remaining() < Integer.BYTES) {
                throw new IllegalArgumentException("the batch ends before message " + (i + 1) + " of " + count);
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException("message " + (i + 1) + " of the batch says " + length
                        + " bytes, " + in.remaining() + " are left");
            }
            byte[] m = new byte[length];
            in.get(m);
            messages.add(m);
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException(in.remaining() + " bytes after the batch's " + count + " messages");
        }
        return messages;
    }
}
