package org.cutover.infra.internal.level3;

import java.util.List;
import java.util.Set;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.cutover.infra.batch.Batches;
import org.cutover.infra.internal.level2.ChecksummedFrames;
import org.osgi.service.component.annotations.Component;

/**
 * Infrastructure level 3: level 2's functions plus atomic batches, a function
 * core does not know. Frames are {@link ChecksummedFrames} with level byte 3
 * and kinds 0 DATA, 1 REQUEST, 2 REPLY, 3 EXTENSION; an EXTENSION's request id
 * is its function's code ({@value #BATCH_CODE} for a batch) and its payload
 * the function's argument ({@link BatchFormat}).
 */
@Component(service = InfraProtocol.class, property = InfraProtocol.LEVEL_PROPERTY + ":Integer=3")
public class Level3Protocol implements InfraProtocol {

    public static final int LEVEL = 3;
    static final long BATCH_CODE = 1;

    private static final Set<InfraFunction> FUNCTIONS = Set.of(InfraFunction.ORDERED_BROADCAST,
            InfraFunction.REQUEST_ALL);
    private static final Set<String> EXTENSIONS = Set.of(Batches.FUNCTION);
    private static final ChecksummedFrames FRAMES = new ChecksummedFrames(LEVEL, List.of(Frame.Kind.DATA,
            Frame.Kind.REQUEST, Frame.Kind.REPLY, Frame.Kind.EXTENSION));

    @Override
    public int level() {
        return LEVEL;
    }

    @Override
    public Set<InfraFunction> functions() {
        return FUNCTIONS;
    }

    @Override
    public Set<String> extensions() {
        return EXTENSIONS;
    }

    @Override
    public byte[] encode(String group, Frame frame) {
        if (frame.kind() == Frame.Kind.EXTENSION) {
            BatchFormat.unpack(argumentOf(group, frame)); // only what every member can read goes into the order
        }
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
    public byte[] encodeExtension(String group, String function, byte[] argument) {
        if (!Batches.FUNCTION.equals(function)) {
            throw new FunctionUnavailableException(group, function, LEVEL);
        }
        return encode(group, new Frame(Frame.Kind.EXTENSION, BATCH_CODE, argument));
    }

    @Override
    public List<byte[]> messages(String group, Frame frame) {
        if (frame.kind() == Frame.Kind.DATA) {
            return List.of(frame.payload());
        }
        if (frame.kind() != Frame.Kind.EXTENSION) {
            throw new IllegalArgumentException("group " + group + ": a " + frame.kind() + " frame holds no messages");
        }
        return BatchFormat.unpack(argumentOf(group, frame));
    }

    /** the argument of a batch frame; a code this level does not know is refused */
    private static byte[] argumentOf(String group, Frame frame) {
        if (frame.requestId() != BATCH_CODE) {
            throw new IllegalArgumentException("group " + group + ": level 3 brings no function with code "
                    + frame.requestId());
        }
        return frame.payload();
    }

    @Override
    public String toString() {
        return "infrastructure level " + LEVEL + " " + FUNCTIONS + " and " + EXTENSIONS;
    }
}
