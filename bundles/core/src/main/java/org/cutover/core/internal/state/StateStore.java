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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

import org.cutover.core.internal.wire.Envelope.GroupVersion;

/**
 * Keeps the node's copy of the cluster state in one file: a header, the state,
 * and a CRC32C of both. Writes go to a temporary file that is then moved over
 * the old one, so a crash leaves either the old or the new state, never half.
 * A file that fails its checksum is refused rather than guessed at: starting
 * from an empty state could silently take a group back to a lower level.
 *
 * <p>A level switch must be on disk before the members hear of it, but the
 * replica (nodes, members, history) grows: with 100 groups and a long history
 * one write of it took 2.2 ms on the 2-core build machine. So a switch writes only
 * the groups' levels and epochs to a second, small file ({@code .levels}, the
 * same safe write); the replica follows within moments. Loading takes the
 * higher epoch of the two for every group.
 */
public final class StateStore {

    private static final int MAGIC = 0x43555453; // "CUTS"
    private static final int FORMAT = 1;
    private static final int LEVELS_MAGIC = 0x4355544c; // "CUTL"

    private final Path file;
    private final Path levelsFile;

    public StateStore(Path file) {
        this.file = file;
        this.levelsFile = file.resolveSibling(file.getFileName() + ".levels");
    }

    public Path file() {
        return file;
    }

    /**
     * @return the saved state, or empty when none was ever saved
     * @throws IOException if the file exists but is corrupt or truncated; the message says what to do
     */
    public Optional<ClusterState> load() throws IOException {
        Optional<ClusterState> state = Optional.empty();
        if (Files.exists(file)) {
            state = Optional.of(decodeOrExplain(file, StateStore::decode));
        }
        if (Files.exists(levelsFile)) {
            List<GroupVersion> levels = decodeOrExplain(levelsFile, StateStore::decodeLevels);
            state = Optional.of(state.orElseGet(ClusterState::new));
            state.get().restoreVersions(levels);
        }
        return state;
    }

    private interface Decoder<T> {
        T decode(byte[] bytes) throws IOException;
    }

    private static <T> T decodeOrExplain(Path path, Decoder<T> decoder) throws IOException {
        try {
            return decoder.decode(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new IOException("the cluster state file " + path + " is damaged (" + e.getMessage()
                    + "); the node will not guess the groups' levels. Restore the file from a backup, or delete it"
                    + " (and " + path.getFileName() + "'s sibling .bin/.levels file) to let this node learn the"
                    + " state from the running cluster", e);
        }
    }

    public void save(ClusterState state) {
        write(encode(state));
    }

    /** writes an {@link #encode encoded} state */
    public synchronized void write(byte[] encoded) {
        replace(file, encoded);
    }

    /** the groups' levels and epochs, written before the members hear of a switch */
    public synchronized void saveLevels(List<GroupVersion> versions) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + versions.size() * 24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(LEVELS_MAGIC);
            out.writeInt(versions.size());
            for (GroupVersion v : versions) {
                out.writeUTF(v.group());
                out.writeInt(v.level());
                out.writeLong(v.epoch());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        replace(levelsFile, withCrc(bytes.toByteArray()));
    }

    static List<GroupVersion> decodeLevels(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(checked(bytes)));
        if (in.readInt() != LEVELS_MAGIC) {
            throw new IOException("not a Cutover levels file");
        }
        int count = in.readInt();
        if (count < 0 || count > bytes.length) {
            throw new IOException("bad group count " + count);
        }
        List<GroupVersion> versions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String group = in.readUTF();
            int level = in.readInt();
            long epoch = in.readLong();
            if (level < 1 || epoch < 0) {
                // a level below 1 is no level: a switch to it would drop every member of the group
                throw new IOException("group " + group + " at level " + level + ", epoch " + epoch
                        + ": not a level and epoch Cutover writes");
            }
            versions.add(new GroupVersion(group, level, epoch));
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " trailing bytes");
        }
        return versions;
    }

    private static void replace(Path target, byte[] bytes) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the cluster state to " + target, e);
        }
    }

    private static byte[] withCrc(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }

    /** the body of a CRC32C-terminated record, or an IOException */
    private static byte[] checked(byte[] bytes) throws IOException {
        if (bytes.length < 8) {
            throw new IOException("only " + bytes.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IOException("checksum mismatch");
        }
        return Arrays.copyOf(bytes, bytes.length - 4);
    }

    public static byte[] encode(ClusterState state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            state.writeLegacyTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return withCrc(bytes.toByteArray());
    }

    public static ClusterState decode(byte[] bytes) throws IOException {
        if (bytes.length < 12) {
            throw new IOException("only " + bytes.length + " bytes");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(checked(bytes)));
        if (in.readInt() != MAGIC) {
            throw new IOException("not a Cutover state file");
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("state format " + format + " is not known to this version");
        }
        ClusterState state = ClusterState.readLegacy(in);
        if (in.available() != 0) {
            throw new IOException(in.available() + " trailing bytes");
        }
        return state;
    }
}
