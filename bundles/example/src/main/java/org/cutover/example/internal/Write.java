package org.cutover.example.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One write as it travels in the group's order: the sender's own counter
 * (1, 2, 3 … per member), the key and value, and the sender's earlier
 * counters whose sends ended without an answer ({@code inDoubt}): they may
 * never be delivered, so a member that misses one has lost nothing the sender
 * was told had arrived.
 *
 * <p>Wire form: a version byte, the counter (8 bytes), then the key and the
 * value, each as a 4-byte length and UTF-8 bytes; version {@value #FORMAT}
 * without counters in doubt (what 1.0 stores read), {@value #FORMAT_WITH_DOUBTS}
 * with their number (4 bytes) and the counters (8 bytes each) after the value.
 */
record Write(long counter, String key, String value, List<Long> inDoubt) {

    static final byte FORMAT = 1;
    static final byte FORMAT_WITH_DOUBTS = 2;
    /** more is not a write of a store: one store notes a few in a row at most */
    private static final int MAX_IN_DOUBT = 10_000;

    Write {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        inDoubt = List.copyOf(inDoubt);
    }

    Write(long counter, String key, String value) {
        this(counter, key, value, List.of());
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + key.length() + value.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(inDoubt.isEmpty() ? FORMAT : FORMAT_WITH_DOUBTS);
            out.writeLong(counter);
            writeString(out, key);
            writeString(out, value);
            if (!inDoubt.isEmpty()) {
                out.writeInt(inDoubt.size());
                for (long c : inDoubt) {
                    out.writeLong(c);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException if the bytes are not a write of this format */
    static Write decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_WITH_DOUBTS) {
                throw new IllegalArgumentException("unknown write format " + format);
            }
            long counter = in.readLong();
            String key = readString(in);
            String value = readString(in);
            List<Long> inDoubt = new ArrayList<>();
            if (format == FORMAT_WITH_DOUBTS) {
                int n = in.readInt();
                if (n < 1 || n > MAX_IN_DOUBT || n > in.available() / 8) {
                    throw new IllegalArgumentException("bad count of counters in doubt " + n);
                }
                for (int i = 0; i < n; i++) {
                    inDoubt.add(in.readLong());
                }
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the write");
            }
            return new Write(counter, key, value, inDoubt);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated write: " + e, e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("bad string length " + length);
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
