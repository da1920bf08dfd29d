package org.cutover.jgroups.raft;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.zip.CRC32C;

import org.jgroups.protocols.raft.LogEntry;

/**
 * What a snapshot would hold after a given log entry (RAFT's members, then the
 * state machine's content), kept beside the log without cutting it, so that a
 * restart replays only the entries after it.
 *
 * <p>RAFT replays its log from the last snapshot at every start, and the log is
 * cut into a snapshot only at {@code log.compact.mb} (on the leader only while
 * no follower in view lags): a node restarted after 60,000 small entries took
 * 4.7-5.5 s to replay them (75-90 µs each, most of it each entry's signature
 * check), about 25-30 s at the 64 MB cut. Cutting the log sooner would cost
 * followers that lag their entries (they would get a snapshot, and their
 * members would leave); a checkpoint costs no one anything but one write of
 * the content every {@code interval} entries.
 *
 * <p>A checkpoint is used only if the log holds the same entry (index, term and
 * the SHA-256 of its bytes) at or below its commit index and above the
 * snapshot the log starts with: then the content is what replaying would give.
 * Index and term alone would name the same entry in every log of one cluster,
 * but a log begun afresh beside an old checkpoint (a new cluster in the same
 * folder) counts its terms from 1 again. Anything else, a damaged file, a log
 * that lost its tail, a snapshot installed since, falls back to replaying the
 * whole log. The file is written whole or not at all (a temporary
 * file moved over it) and carries a CRC32C; it is not synced: a checkpoint lost
 * with the page cache only costs a longer replay.
 */
final class ReplayCheckpoint {

    private static final int MAGIC = 0x43555450; // "CUTP"
    private static final int FORMAT = 1;
    private static final int DIGEST = 32;
    /** magic, format, index, term, the entry's digest, the content's length; then the content and a CRC32C */
    private static final int OVERHEAD = 4 + 4 + 8 + 8 + DIGEST + 4 + 4;

    /** the entry a checkpoint is of, and RAFT's members and the state machine's content after it */
    record Stored(long index, long term, byte[] entryDigest, byte[] content) {
    }

    /** what identifies an entry beyond its index: its term and the SHA-256 of its bytes */
    static byte[] digest(LogEntry e) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(e.internal() ? (byte) 1 : (byte) 0);
            if (e.command() != null) {
                sha.update(e.command(), e.offset(), e.length());
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException x) {
            throw new IllegalStateException("every JDK has SHA-256", x);
        }
    }

    private final Path file;
    private final int interval;
    /** the index of the last checkpoint written or restored (or where counting started) */
    private long at;

    /** @param interval entries between two checkpoints; 0: none are written */
    ReplayCheckpoint(Path file, int interval) {
        this.file = file;
        this.interval = interval;
    }

    Path file() {
        return file;
    }

    /** whether a checkpoint is due after the entry at {@code index} is applied */
    boolean due(long index) {
        return interval > 0 && index - at >= interval;
    }

    /** counting starts again at {@code index} (a checkpoint restored, or none found) */
    void countFrom(long index) {
        at = Math.max(at, index);
    }

    /**
     * Writes the state after {@code entry}, at {@code index}: the first {@code length} bytes of {@code content}.
     * Counting starts again there.
     */
    void write(long index, LogEntry entry, byte[] content, int length) throws IOException {
        at = index;
        ByteArrayOutputStream header = new ByteArrayOutputStream(OVERHEAD);
        DataOutputStream h = new DataOutputStream(header);
        h.writeInt(MAGIC);
        h.writeInt(FORMAT);
        h.writeLong(index);
        h.writeLong(entry.term());
        h.write(digest(entry));
        h.writeInt(length);
        CRC32C crc = new CRC32C();
        crc.update(header.toByteArray());
        crc.update(content, 0, length);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        // the content goes out as it is: no copy of what may be megabytes
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp),
                64 * 1024))) {
            header.writeTo(out);
            out.write(content, 0, length);
            out.writeInt((int) crc.getValue());
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The checkpoint a replay of the entries {@code from..commit} may start from, or empty.
     *
     * @param entryAt the log's entry at an index, or null when it holds none there
     * @return empty when there is none, or it is damaged, or it is not of an entry of that range of this log
     */
    Optional<Stored> usable(long from, long commit, LongFunction<LogEntry> entryAt) throws IOException {
        Optional<Stored> stored = read();
        if (stored.isEmpty()) {
            return stored;
        }
        Stored s = stored.get();
        if (s.index() < from || s.index() > commit) {
            return Optional.empty();
        }
        LogEntry e = entryAt.apply(s.index());
        if (e == null || e.term() != s.term() || !MessageDigest.isEqual(digest(e), s.entryDigest())) {
            return Optional.empty();
        }
        return stored;
    }

    /** the checkpoint in the file, or empty when there is none; a damaged one is an IOException */
    Optional<Stored> read() throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (all.length < OVERHEAD) {
            throw new IOException(file + " holds " + all.length + " bytes, too few for a checkpoint");
        }
        CRC32C crc = new CRC32C();
        crc.update(all, 0, all.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).getInt()) {
            throw new IOException(file + " fails its checksum");
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, 0, all.length - 4));
        if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
            throw new IOException(file + " is not a checkpoint of this format");
        }
        long index = in.readLong();
        long term = in.readLong();
        byte[] entryDigest = new byte[DIGEST];
        in.readFully(entryDigest);
        int length = in.readInt();
        if (length != all.length - OVERHEAD) {
            throw new IOException(file + " says its content has " + length + " bytes, not "
                    + (all.length - OVERHEAD));
        }
        byte[] content = new byte[length];
        in.readFully(content);
        return Optional.of(new Stored(index, term, entryDigest, content));
    }
}
