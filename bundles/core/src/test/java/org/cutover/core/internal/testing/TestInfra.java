package org.cutover.core.internal.testing;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.InfraFunction;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;

/**
 * A minimal infrastructure level for core's tests: [level][kind][request id][payload].
 * Level 1 offers ordered broadcast only; level 2 and up add request-to-all.
 */
public final class TestInfra implements InfraProtocol {
    private final int level;

    public TestInfra(int level) {
        this.level = level;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public Set<InfraFunction> functions() {
        return level >= 2 ? EnumSet.allOf(InfraFunction.class) : EnumSet.of(InfraFunction.ORDERED_BROADCAST);
    }

    @Override
    public byte[] encode(String group, Frame frame) {
        if (frame.kind() != Frame.Kind.DATA && level < 2) {
            throw new FunctionUnavailableException(group, InfraFunction.REQUEST_ALL, level);
        }
        return ByteBuffer.allocate(10 + frame.payload().length).put((byte) level).put((byte) frame.kind().ordinal())
                .putLong(frame.requestId()).put(frame.payload()).array();
    }

    @Override
    public Frame decode(String group, byte[] bytes) {
        if (bytes.length < 10 || bytes[0] != level) {
            throw new IllegalArgumentException("not a level " + level + " frame");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.get();
        int kind = b.get();
        long id = b.getLong();
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return new Frame(Frame.Kind.values()[kind], id, payload);
    }

    @Override
    public String toString() {
        return "TestInfra level " + level;
    }
}
