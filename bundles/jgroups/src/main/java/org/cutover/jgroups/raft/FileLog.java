package org.cutover.jgroups.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntry;

/**
 * RAFT 1.1.4's file log with the first entry of an installed snapshot on disk,
 * and snapshots written whole or not at all ({@link #setSnapshot}).
 *
 * <p>A follower that installs a snapshot empties its entries file and writes
 * one entry in its place, at the snapshot's index; RAFT 1.1.4's
 * {@code LogEntryStorage.reinitializeTo} fills the buffer but never flips it,
 * so it writes nothing. Its memory says the entry is at position 0, so the
 * entries it appends next go right after those 26 zero bytes, and it works
 * until it restarts: then its file starts with zeros, it reads an empty log,
 * and everything it acknowledged since the snapshot is gone while its commit
 * index says otherwise ("log entry for index 1 not found in log"; ChaosTest
 * then saw the leader's commit-table assertion "commit-index=117643,
 * match-index=0" for 54 s, and appends failing on the follower). Fixed
 * upstream after 1.1.4 (2.0's file format), which is not served here.
 *
 * <p>So the entry is written here after RAFT's call, and a file left by the
 * bug (zeros where the first header belongs, an entry right after them) gets
 * that entry back when the log opens: its index is the next entry's minus
 * one. Its term is lost; the next entry's is written, which is at least the
 * real one. The entry is committed (a snapshot's last entry), and a follower
 * takes committed entries as the leader's without comparing terms
 * ({@link CheckedFollower}), so the term is read only when it is the log's
 * last entry, which a repaired log never has it be.
 *
 * <p>A kill between RAFT emptying the file and this class writing the entry
 * would leave an empty file, with nothing to tell the snapshot's index. So
 * the index and term are first written beside the log ({@value #INSTALLING}),
 * and removed once the entry is on disk; a log that opens with that file
 * there finishes the install: the file holds only that entry, and the commit
 * index is at least its index (the snapshot is of committed entries). RAFT
 * writes the snapshot before it calls this class; a kill between the two
 * still leaves the new snapshot beside the old log, which RAFT then applies
 * on top of it: that window is RAFT's, and the index is not known there.
 */
public class FileLog extends FileBasedLog {

    private static final Log LOG = LogFactory.getLog(FileLog.class);

    /** RAFT 1.1.4's entries file and the layout of its entry header (LogEntryStorage.Header) */
    static final String ENTRIES_FILE = "entries.raft";
    /** the snapshot entry being installed: its index and term, while RAFT empties the file and this class writes it */
    static final String INSTALLING = "installing-snapshot";
    static final int HEADER_SIZE = 26;
    /** RAFT 1.1.4's snapshot file (FileBasedLog.SNAPSHOT_FILE_NAME) */
    static final String SNAPSHOT_FILE = "state_snapshot.raft";
    private static final byte MAGIC = 0x01;

    private Path dir;

    @Override
    public void init(String logName, Map<String, String> args) throws Exception {
        dir = Path.of(logName);
        super.init(logName, args);
        boolean empty = firstAppended() == 0 && lastAppended() == 0;
        if (finishInstall() || empty && repairFirstEntry()) {
            super.close();
            super.init(logName, args); // reads the file again, now with its first entry
        }
        Files.deleteIfExists(dir.resolve(INSTALLING));
        Files.deleteIfExists(dir.resolve(INSTALLING + ".tmp"));
        Files.deleteIfExists(dir.resolve(SNAPSHOT_FILE + ".tmp"));
    }

    /**
     * The snapshot, written whole or not at all: to a file of its own, forced when the log is, then moved over the
     * old one. RAFT 1.1.4 writes a node's first snapshot straight into place, unforced, so a kill during that
     * write left a partial snapshot that the next start cannot read.
     */
    @Override
    public void setSnapshot(ByteBuffer snapshot) {
        try {
            writeWhole(SNAPSHOT_FILE, snapshot.duplicate());
        } catch (IOException e) {
            throw new IllegalStateException("could not write the snapshot in " + dir, e);
        }
    }

    @Override
    public void reinitializeTo(long index, LogEntry entry) {
        try {
            writeInstalling(index, entry.term());
            super.reinitializeTo(index, entry);
            writeAt(0, header(index, entry.term(), entry.internal(), entry.length()), entry);
            Files.delete(dir.resolve(INSTALLING));
        } catch (IOException e) {
            throw new IllegalStateException("could not write the log's first entry (index " + index + ") in " + dir,
                    e);
        }
    }

    private void writeInstalling(long index, long term) throws IOException {
        writeWhole(INSTALLING, ByteBuffer.allocate(16).putLong(index).putLong(term).flip());
    }

    /** a file of this log's folder, whole or not at all: written beside it, forced when the log is, moved over it */
    private void writeWhole(String name, ByteBuffer content) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (content.hasRemaining()) {
                ch.write(content);
            }
            if (useFsync()) {
                ch.force(false);
            }
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** true if an install was cut short and is finished now: the file holds only the snapshot's entry */
    private boolean finishInstall() throws IOException {
        Path installing = dir.resolve(INSTALLING);
        if (!Files.exists(installing)) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(installing));
        if (b.remaining() != 16) {
            return false; // cut short before the move: RAFT had not touched the log yet
        }
        long index = b.getLong();
        long term = b.getLong();
        LOG.warn("%s: installing the snapshot at index %d was cut short; its entry is written now", dir, index);
        Files.write(dir.resolve(ENTRIES_FILE), new byte[0], StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        writeAt(0, header(index, term, false, 0), null);
        if (commitIndex() < index) {
            commitIndex(index);
        }
        return true;
    }

    /** true if the file had RAFT 1.1.4's hole where its first entry belongs and the entry is written back */
    private boolean repairFirstEntry() throws IOException {
        Path file = dir.resolve(ENTRIES_FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer first = read(ch, 0);
            ByteBuffer next = read(ch, HEADER_SIZE);
            if (first == null || next == null || !allZero(first)) {
                return false;
            }
            byte magic = next.get();
            int total = next.getInt();
            long term = next.getLong();
            long index = next.getLong();
            next.get(); // internal
            int length = next.getInt();
            if (magic != MAGIC || term <= 0 || index <= 1 || length < 0 || total != HEADER_SIZE + length) {
                return false;
            }
            LOG.warn("%s: the log's first entry (index %d) was not written when a snapshot was installed"
                    + " (jgroups-raft 1.1.4); it is written back, with term %d", dir, index - 1, term);
            writeAt(0, header(index - 1, term, false, 0), null);
            return true;
        }
    }

    private void writeAt(long position, ByteBuffer header, LogEntry entry) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(ENTRIES_FILE), StandardOpenOption.WRITE)) {
            ByteBuffer data = entry == null || entry.length() == 0 ? ByteBuffer.allocate(0)
                    : ByteBuffer.wrap(entry.command(), entry.offset(), entry.length());
            ByteBuffer[] parts = {header, data};
            long end = position + header.remaining() + data.remaining();
            ch.position(position);
            while (ch.position() < end) {
                ch.write(parts);
            }
            if (useFsync()) {
                ch.force(false);
            }
        }
    }

    static ByteBuffer header(long index, long term, boolean internal, int length) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
        b.put(MAGIC).putInt(HEADER_SIZE + length).putLong(term).putLong(index).put((byte) (internal ? 1 : 0))
                .putInt(length);
        return b.flip();
    }

    private static ByteBuffer read(FileChannel ch, long position) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                return null;
            }
        }
        return b.flip();
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
