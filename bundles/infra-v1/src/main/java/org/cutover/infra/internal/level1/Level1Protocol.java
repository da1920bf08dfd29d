package org.cutover.infra.internal.level1;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.osgi.service.component.annotations.Component;

/**
 * Infrastructure level 1: totally ordered broadcast of DATA frames.
 *
 * <p>Wire format, big-endian, {@value #HEADER_LENGTH}-byte header:
 * <pre>
 * offset size field
 *      0    1 level, always 1
 *      1    1 kind, always 0 (DATA)
 *      2    4 payload length n
 *      6    n payload
 * </pre>
 * Every bundle that offers level 1 compiles this same class, so the format
 * cannot drift between them.
 */
@Component(service = InfraProtocol.class, property = InfraProtocol.LEVEL_PROPERTY + ":Integer=1")
public class Level1Protocol implements InfraProtocol {

    public static final int LEVEL = 1;
    static final byte KIND_DATA = 0;
    static final int HEADER_LENGTH = 6;

    private static final Set<InfraFunction> FUNCTIONS = Set.of(InfraFunction.ORDERED_BROADCAST);

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
        if (frame.kind() != Frame.Kind.DATA) {
            throw new FunctionUnavailableException(group, InfraFunction.REQUEST_ALL, LEVEL);
        }
        if (frame.requestId() != 0) {
            throw new IllegalArgumentException("group " + group + ": a DATA frame carries request id 0, not "
                    + frame.requestId());
        }
        byte[] payload = frame.payload();
        return ByteBuffer.allocate(HEADER_LENGTH + payload.length)
                .put((byte) LEVEL)
                .put(KIND_DATA)
                .putInt(payload.length)
                .put(payload)
                .array();
    }

    @Override
    public Frame decode(String group, byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("group " + group + ": no bytes to decode");
        }
        return decode(group, bytes, 0, bytes.length);
    }

    @Override
    public Frame decode(String group, byte[] buffer, int offset, int size) {
        if (size < HEADER_LENGTH) {
            throw new IllegalArgumentException("group " + group + ": truncated level-1 frame, " + size
                    + " bytes is shorter than the " + HEADER_LENGTH + "-byte header");
        }
        if (buffer[offset] != LEVEL) {
            throw new IllegalArgumentException("group " + group + ": not a level-1 frame, its level byte is "
                    + Byte.toUnsignedInt(buffer[offset]));
        }
        if (buffer[offset + 1] != KIND_DATA) {
            throw new IllegalArgumentException("group " + group + ": unknown kind "
                    + Byte.toUnsignedInt(buffer[offset + 1]) + " in a level-1 frame, which carries DATA (0) only");
        }
        int length = ByteBuffer.wrap(buffer, offset + 2, Integer.BYTES).getInt();
        int available = size - HEADER_LENGTH;
        if (length != available) {
            throw new IllegalArgumentException("group " + group + ": bad length in a level-1 frame, the header says "
                    + length + " payload bytes and the frame holds " + available);
        }
        return Frame.data(Arrays.copyOfRange(buffer, offset + HEADER_LENGTH, offset + size));
    }

    @Override
    public String toString() {
        return "infrastructure level " + LEVEL + " " + FUNCTIONS;
    }
}
