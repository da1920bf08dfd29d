package org.cutover.example.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One write as it travels in the group's order: the sender's own counter
 * (1, 2, 3 … per member) and the key and value.
 *
 * <p>Wire form: a version byte ({@value #FORMAT}), the counter (8 bytes), then
 * the key and the value, each as a 4-byte length and UTF-8 bytes.
 */
record Write(long counter, String key, String value) {

    static final byte FORMAT = 1;

    Write {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + key.length() + value.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(counter);
            writeString(out, key);
            writeString(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException if the bytes are not a write of this format */
    static Write decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown write format " + format);
            }
            long counter = in.readLong();
            String key = readString(in);
            String value = readString(in);
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the write");
            }
            return new Write(counter, key, value);
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
