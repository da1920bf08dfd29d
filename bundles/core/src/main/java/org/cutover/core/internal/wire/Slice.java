package org.cutover.core.internal.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * A range of a byte array, shared rather than copied: a group message's frame
 * inside its log entry, or an envelope inside the buffer it was encoded into.
 * Equal when the bytes in range are.
 */
public record Slice(byte[] array, int offset, int length) {

    public Slice {
        Objects.checkFromIndexSize(offset, length, array.length);
    }

    public static Slice of(byte[] bytes) {
        return new Slice(bytes, 0, bytes.length);
    }

    public byte[] toArray() {
        return Arrays.copyOfRange(array, offset, offset + length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Slice s
                && Arrays.equals(array, offset, offset + length, s.array, s.offset, s.offset + s.length);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + array[i];
        }
        return h;
    }

    @Override
    public String toString() {
        return length + " bytes";
    }
}
