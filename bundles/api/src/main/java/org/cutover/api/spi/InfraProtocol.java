package org.cutover.api.spi;

import java.util.Set;

import org.cutover.api.InfraFunction;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One infrastructure level: how group messages are encoded on the wire at
 * that level and which functions the level offers. An infrastructure bundle
 * registers one service per level it speaks, with the service property
 * {@value #LEVEL_PROPERTY}, and declares the same levels in its manifest as
 * {@code Provide-Capability: org.cutover.infra;level:Long=N}.
 *
 * <p>Encodings must be stable: every bundle that offers level N must decode
 * what any other bundle's level N encoded.
 */
@ConsumerType
public interface InfraProtocol {

    /** service property holding the level, an Integer */
    String LEVEL_PROPERTY = "cutover.infra.level";

    /** the manifest capability namespace an infrastructure bundle declares its levels in */
    String CAPABILITY_NAMESPACE = "org.cutover.infra";

    /** the capability attribute holding one level */
    String CAPABILITY_LEVEL_ATTRIBUTE = "level";

    int level();

    Set<InfraFunction> functions();

    /**
     * @throws org.cutover.api.FunctionUnavailableException if the frame's kind needs a function this level lacks
     */
    byte[] encode(String group, Frame frame);

    /**
     * @throws IllegalArgumentException if the bytes are not a frame of this level
     */
    Frame decode(String group, byte[] bytes);

    /**
     * Decodes the frame in {@code length} bytes of {@code buffer} from {@code offset}: the cluster log hands
     * each frame as a range of its entry, and a level that reads it in place saves a copy of every message.
     * The buffer must not be kept after the call returns. The default copies the range.
     *
     * @throws IllegalArgumentException if the bytes are not a frame of this level
     * @since 1.1
     */
    default Frame decode(String group, byte[] buffer, int offset, int length) {
        return decode(group, java.util.Arrays.copyOfRange(buffer, offset, offset + length));
    }

    /**
     * The functions this level brings with it beyond {@link #functions()}: ones core does not know, which an
     * infrastructure bundle implements and offers to applications through a package or service of its own.
     * Their frames are {@link Frame.Kind#EXTENSION}s that {@link #encodeExtension} writes and
     * {@link #messages} reads. The default is none.
     *
     * @since 1.2
     */
    default Set<String> extensions() {
        return Set.of();
    }

    /**
     * Encodes a call of one of {@link #extensions()}: what {@code argument} means is the function's own.
     *
     * @throws org.cutover.api.FunctionUnavailableException if this level does not bring the function
     * @since 1.2
     */
    default byte[] encodeExtension(String group, String function, byte[] argument) {
        throw new org.cutover.api.FunctionUnavailableException(group, function, level());
    }

    /**
     * The messages every member of the group delivers for a decoded DATA or EXTENSION frame, in this order, at
     * the frame's one position of the group's order with nothing between them. DATA delivers its payload; an
     * EXTENSION delivers what its function says. Must give the same result on every node for the same frame.
     *
     * @throws IllegalArgumentException if the frame is an EXTENSION this level cannot read
     * @since 1.2
     */
    default java.util.List<byte[]> messages(String group, Frame frame) {
        if (frame.kind() != Frame.Kind.DATA) {
            throw new IllegalArgumentException("group " + group + ": level " + level() + " delivers no "
                    + frame.kind() + " frame as messages");
        }
        return java.util.List.of(frame.payload());
    }
}
