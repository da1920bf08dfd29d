package org.cutover.infra.internal.level2;

import java.util.List;
import java.util.Set;

import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.osgi.service.component.annotations.Component;

/**
 * Infrastructure level 2: ordered broadcast plus requests answered by every
 * member, with a checksum on every frame. Frames are {@link ChecksummedFrames}
 * with level byte 2 and kinds 0 DATA, 1 REQUEST, 2 REPLY.
 */
@Component(service = InfraProtocol.class, property = InfraProtocol.LEVEL_PROPERTY + ":Integer=2")
public class Level2Protocol implements InfraProtocol {

    public static final int LEVEL = 2;

    private static final Set<InfraFunction> FUNCTIONS = Set.of(InfraFunction.ORDERED_BROADCAST,
            InfraFunction.REQUEST_ALL);
    private static final ChecksummedFrames FRAMES = new ChecksummedFrames(LEVEL, List.of(Frame.Kind.DATA,
            Frame.Kind.REQUEST, Frame.Kind.REPLY));

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
        return FRAMES.encode(group, frame);
    }

    @Override
    public Frame decode(String group, byte[] bytes) {
        return FRAMES.decode(group, bytes, 0, bytes == null ? 0 : bytes.length);
    }

    @Override
    public Frame decode(String group, byte[] buffer, int offset, int size) {
        return FRAMES.decode(group, buffer, offset, size);
    }

    @Override
    public String toString() {
        return "infrastructure level " + LEVEL + " " + FUNCTIONS;
    }
}
