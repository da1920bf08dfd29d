package org.cutover.core.internal.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Keeps the node's copy of the cluster state in one file: a header, the state,
 * and a CRC32C of both. Writes go to a temporary file that is then moved over
 * the old one, so a crash leaves either the old or the new state, never half.
 * A file that fails its checksum is refused rather than guessed at: starting
 * from an empty state could silently take a group back to a lower level.
 */
public final class StateStore {

    private static final int MAGIC = 0x43555453; // "CUTS"
    private static final int FORMAT = 1;

    private final Path file;

    public StateStore(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * @return the saved state, or empty when none was ever saved
     * @throws IOException if the file exists but is corrupt or truncated; the message says what to do
     */
    public Optional<ClusterState> load() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return Optional.of(decode(bytes));
        } catch (IOException e) {
            throw new IOException("the cluster state file " + file + " is damaged (" + e.getMessage()
                    + "); the node will not guess the groups' levels. Restore the file from a backup, or delete it"
                    + " to let this node learn the state from the running cluster", e);
        }
    }

    public void save(ClusterState state) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, encode(state));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the cluster state to " + file, e);
        }
    }

    public static byte[] encode(ClusterState state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            state.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CRC32C crc = new CRC32C();
        byte[] body = bytes.toByteArray();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }

    public static ClusterState decode(byte[] bytes) throws IOException {
        if (bytes.length < 12) {
            throw new IOException("only " + bytes.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw new IOException("checksum mismatch");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(Arrays.copyOf(bytes, bytes.length - 4)));
        if (in.readInt() != MAGIC) {
            throw new IOException("not a Cutover state file");
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("state format " + format + " is not known to this version");
        }
        ClusterState state = ClusterState.readFrom(in);
        if (in.available() != 0) {
            throw new IOException(in.available() + " trailing bytes");
        }
        return state;
    }
}
