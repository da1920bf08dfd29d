package org.cutover.infra.internal.level2;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32C;

import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.osgi.service.component.annotations.Component;

/**
 * Infrastructure level 2: ordered broadcast plus requests answered by every
 * member, with a checksum on every frame.
 *
 * <p>Wire format, big-endian, {@value #HEADER_LENGTH}-byte header:
 * <pre>
 * offset size field
 *      0    1 level, always 2
 *      1    1 format, 1; a later layout of level 2 gets a new number
 *      2    1 kind: 0 DATA, 1 REQUEST, 2 REPLY
 *      3    8 request id, 0 for DATA
 *     11    4 payload length n
 *     15    4 CRC32C of bytes 0..14 followed by the payload
 *     19    n payload
 * </pre>
 */
@Component(service = InfraProtocol.class, property = InfraProtocol.LEVEL_PROPERTY + ":Integer=2")
public class Level2Protocol implements InfraProtocol {

    public static final int LEVEL = 2;
    static final byte FORMAT = 1;
    static final int HEADER_LENGTH = 19;
    static final int CHECKSUM_OFFSET = 15;

    private static final byte KIND_DATA = 0;
    private static final byte KIND_REQUEST = 1;
    private static final byte KIND_REPLY = 2;

    private static final Set<InfraFunction> FUNCTIONS = Set.of(InfraFunction.ORDERED_BROADCAST,
            InfraFunction.REQUEST_ALL);

    @Override
    public int level() {
        return LEVEL;
    }

    @Override
    public Set<InfraFunction> functions() {
        return FUNCTIONS;
    }

    @Override
    public byte[] encode(String group, Frame frame) {
        if (frame.kind() == Frame.Kind.DATA && frame.requestId() != 0) {
            throw new IllegalArgumentException("group " + group + ": a DATA frame carries request id 0, not "
                    + frame.requestId());
        }
        byte[] payload = frame.payload();
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH + payload.length)
                .put((byte) LEVEL)
                .put(FORMAT)
                .put(kindCode(frame.kind()))
                .putLong(frame.requestId())
                .putInt(payload.length);
        byte[] bytes = buffer.putInt(0).put(payload).array();
        ByteBuffer.wrap(bytes, CHECKSUM_OFFSET, Integer.BYTES).putInt(checksum(bytes, 0, bytes.length));
        return bytes;
    }

    @Override
    public Frame decode(String group, byte[] bytes) {
        if (bytes == null) {
            throw malformed(group, "no bytes to decode");
        }
        return decode(group, bytes, 0, bytes.length);
    }

    @Override
    public Frame decode(String group, byte[] buffer, int offset, int size) {
        if (size < HEADER_LENGTH) {
            throw malformed(group, "truncated, " + size + " bytes is shorter than the " + HEADER_LENGTH
                    + "-byte header");
        }
        if (buffer[offset] != LEVEL) {
            throw new IllegalArgumentException("group " + group + ": not a level-2 frame, its level byte is "
                    + Byte.toUnsignedInt(buffer[offset]));
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
        Frame.Kind kind = kind(group, buffer[offset + 2]);
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

    private static byte kindCode(Frame.Kind kind) {
        switch (kind) {
            case DATA:
                return KIND_DATA;
            case REQUEST:
                return KIND_REQUEST;
            case REPLY:
                return KIND_REPLY;
            default:
                throw new IllegalArgumentException("no level-2 code for frame kind " + kind);
        }
    }

    private static Frame.Kind kind(String group, byte code) {
        switch (code) {
            case KIND_DATA:
                return Frame.Kind.DATA;
            case KIND_REQUEST:
                return Frame.Kind.REQUEST;
            case KIND_REPLY:
                return Frame.Kind.REPLY;
            default:
                throw malformed(group, "unknown kind " + Byte.toUnsignedInt(code));
        }
    }

    private static IllegalArgumentException malformed(String group, String why) {
        return new IllegalArgumentException("group " + group + ": malformed level-2 frame, " + why);
    }

    @Override
    public String toString() {
        return "infrastructure level " + LEVEL + " " + FUNCTIONS;
    }
}
