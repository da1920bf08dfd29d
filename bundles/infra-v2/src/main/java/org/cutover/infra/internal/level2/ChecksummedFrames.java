package org.cutover.infra.internal.level2;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import org.cutover.api.spi.Frame;

/**
 * The frame layout of level 2 and every later level: only the level byte and the kinds a level knows differ.
 * Level 3 (bundle 3.0.0) compiles this same class, so levels 2 and 3 cannot drift apart in how they frame.
 *
 * <p>Big-endian, {@value #HEADER_LENGTH}-byte header:
 * <pre>
 * offset size field
 *      0    1 level
 *      1    1 format, 1; a later layout gets a new number
 *      2    1 kind: the index of the frame's kind in the level's list (level 2: DATA, REQUEST, REPLY)
 *      3    8 request id, 0 for DATA
 *     11    4 payload length n
 *     15    4 CRC32C of bytes 0..14 followed by the payload
 *     19    n payload
 * </pre>
 */
public final class ChecksummedFrames {

    static final byte FORMAT = 1;
    static final int HEADER_LENGTH = 19;
    static final int CHECKSUM_OFFSET = 15;

    private final int level;
    private final List<Frame.Kind> kinds;

    /** @param kinds the kinds this level frames, each coded by its index */
    public ChecksummedFrames(int level, List<Frame.Kind> kinds) {
        this.level = level;
        this.kinds = List.copyOf(kinds);
    }

    public byte[] encode(String group, Frame frame) {
        if (frame.kind() == Frame.Kind.DATA && frame.requestId() != 0) {
            throw new IllegalArgumentException("group " + group + ": a DATA frame carries request id 0, not "
                    + frame.requestId());
        }
        int code = kinds.indexOf(frame.kind());
        if (code < 0) {
            throw new IllegalArgumentException("no level-" + level + " code for frame kind " + frame.kind());
        }
        byte[] payload = frame.payload();
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH + payload.length)
                .put((byte) level)
                .put(FORMAT)
                .put((byte) code)
                .putLong(frame.requestId())
                .putInt(payload.length);
        byte[] bytes = buffer.putInt(0).put(payload).array();
        ByteBuffer.wrap(bytes, CHECKSUM_OFFSET, Integer.BYTES).putInt(checksum(bytes, 0, bytes.length));
        return bytes;
    }

    public Frame decode(String group, byte[] buffer, int offset, int size) {
        if (buffer == null) {
            throw malformed(group, "no bytes to decode");
        }
        if (size < HEADER_LENGTH) {
            throw malformed(group, "truncated, " + size + " bytes is shorter than the " + HEADER_LENGTH
                    + "-byte header");
        }
        if (buffer[offset] != level) {
            throw new IllegalArgumentException("group " + group + ": not a level-" + level + " frame, its level byte"
                    + " is " + Byte.toUnsignedInt(buffer[offset]));
        }
        if (buffer[offset + 1] != FORMAT) {
            throw malformed(group, "unknown format " + Byte.toUnsignedInt(buffer[offset + 1])
                    + ", this bundle reads format " + FORMAT);
        }
        ByteBuffer header = ByteBuffer.wrap(buffer);
        long requestId = header.getLong(offset + 3);
        int length = header.getInt(offset + 11);
        int available = size - HEADER_LENGTH;
        if (length != available) {
            throw malformed(group, "bad length, the header says " + length + " payload bytes and the frame holds "
                    + available);
        }
        int expected = header.getInt(offset + CHECKSUM_OFFSET);
        int actual = checksum(buffer, offset, size);
        if (expected != actual) {
            throw malformed(group, "checksum mismatch, the header says " + Integer.toHexString(expected)
                    + " and the bytes sum to " + Integer.toHexString(actual));
        }
        int code = Byte.toUnsignedInt(buffer[offset + 2]);
        if (code >= kinds.size()) {
            throw malformed(group, "unknown kind " + code);
        }
        Frame.Kind kind = kinds.get(code);
        if (kind == Frame.Kind.DATA && requestId != 0) {
            throw malformed(group, "a DATA frame with request id " + requestId);
        }
        return new Frame(kind, requestId, Arrays.copyOfRange(buffer, offset + HEADER_LENGTH, offset + size));
    }

    /** CRC32C over the header up to the checksum field, then the payload */
    private static int checksum(byte[] buffer, int offset, int size) {
        CRC32C crc = new CRC32C();
        crc.update(buffer, offset, CHECKSUM_OFFSET);
        crc.update(buffer, offset + HEADER_LENGTH, size - HEADER_LENGTH);
        return (int) crc.getValue();
    }

    private IllegalArgumentException malformed(String group, String why) {
        return new IllegalArgumentException("group " + group + ": malformed level-" + level + " frame, " + why);
    }
}
