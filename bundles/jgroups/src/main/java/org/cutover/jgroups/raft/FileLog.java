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
import org.jgroups.raft.util.LogCache;

/**
 * RAFT 1.1.4's file log with the first entry of an installed snapshot on disk,
 * snapshots written whole or not at all ({@link #setSnapshot}) and put in
 * place together with the log's cut, a cut whose copy of the kept entries
 * is checked whole before anything moves ({@link LogCut}), no copy left by a
 * cut a kill interrupted ({@link #init}), a current term that never goes down
 * ({@link #currentTerm(long)}), a vote forced to disk when the log is
 * ({@link #votedFor}), and no entry cut short by a kill inside its write
 * ({@link #dropTornEntry}).
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
 * <p>RAFT's snapshot file does not say which index it is of: RAFT takes that
 * from the log's first entry, and replays the entries after it on top of the
 * snapshot at a start. RAFT writes the snapshot first and cuts the log (its
 * own snapshot) or empties it (a leader's, installed) after; a kill between
 * the two left the new snapshot beside the old log, and the next start
 * applied entries again that the snapshot already held. And a kill between
 * RAFT emptying the file and this class writing the entry left an empty
 * file. So the snapshot's index and term are written beside the log
 * ({@value #INSTALLING}) after the snapshot is written to a file of its own
 * and before it is moved into place, and removed once the log is cut or
 * holds only the snapshot's entry. A log that opens with that file there and
 * the snapshot moved finishes the step: it cuts at the index if it holds
 * that entry, else it holds only that entry; the commit index is at least
 * the index (a snapshot is of committed entries). With the snapshot not yet
 * moved, the old snapshot and the old log still belong together. The index
 * of RAFT's own snapshot is the commit index (RAFT snapshots its state
 * machine there); that of an installed one the follower tells
 * ({@link #installing}).
 */
public class FileLog extends FileBasedLog {

    private static final Log LOG = LogFactory.getLog(FileLog.class);

    /** RAFT 1.1.4's entries file and the layout of its entry header (LogEntryStorage.Header) */
    static final String ENTRIES_FILE = "entries.raft";
    /** the index and term of the snapshot being put in place, until the log is cut or reinitialized to it */
    static final String INSTALLING = "installing-snapshot";
    static final int HEADER_SIZE = 26;
    /** RAFT 1.1.4's file of the commit index, the current term and the vote (MetadataStorage) */
    static final String METADATA_FILE = "metadata.raft";
    /** RAFT 1.1.4's snapshot file (FileBasedLog.SNAPSHOT_FILE_NAME) */
    static final String SNAPSHOT_FILE = "state_snapshot.raft";
    private static final byte MAGIC = 0x01;

    private Path dir;
    private String logName;
    private Map<String, String> args;
    /** the kept entries of the cut RAFT makes right after its own snapshot, copied before the snapshot moved */
    private LogCut preparedCut;
    /** the index and term of the next snapshot, told by the follower that installs it; -1: RAFT's own */
    private long nextSnapshotIndex = -1;
    private long nextSnapshotTerm;

    @Override
    public void init(String logName, Map<String, String> args) throws Exception {
        dir = Path.of(logName);
        this.logName = logName;
        this.args = args;
        // RAFT's cut copies the kept entries into this file and moves it over the log; a kill during the copy left
        // it behind, and the next cut wrote over it without emptying it first: the log got the old file's tail
        // after its last entry, which the next start read as more entries
        Files.deleteIfExists(dir.resolve(ENTRIES_FILE + ".tmp"));
        super.init(logName, args);
        boolean empty = firstAppended() == 0 && lastAppended() == 0;
        if (finishInstall() || empty && repairFirstEntry()) {
            super.close();
            super.init(logName, args); // reads the file again, now with its first entry
        }
        dropTornEntry(logName, args);
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
        long index = nextSnapshotIndex;
        long term = nextSnapshotTerm;
        nextSnapshotIndex = -1;
        LogCut cut = null;
        if (index < 0) { // RAFT's own: of its state machine at the commit index, where it cuts the log next
            index = commitIndex();
            LogEntry at = index > 0 ? get(index) : null;
            term = at == null ? 0 : at.term();
            cut = prepareCut(index); // fails here, before the snapshot moves, if it cannot be made
        }
        try {
            Path written = writeBeside(SNAPSHOT_FILE, snapshot.duplicate());
            if (index > 0 && term > 0) {
                writeInstalling(index, term);
            }
            Files.move(written, dir.resolve(SNAPSHOT_FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            forceNames();
        } catch (IOException e) {
            deleteCopy(cut);
            throw new IllegalStateException("could not write the snapshot in " + dir, e);
        }
        preparedCut = cut;
    }

    /** the next snapshot is a leader's, of {@code index} with {@code term}, installed by this follower; -1: none */
    void installing(long index, long term) {
        nextSnapshotIndex = index;
        nextSnapshotTerm = term;
    }

    /** the file log under RAFT's log cache, if it is this class */
    static FileLog of(org.jgroups.protocols.raft.Log log) {
        org.jgroups.protocols.raft.Log inner = log instanceof LogCache cache ? cache.log() : log;
        return inner instanceof FileLog f ? f : null;
    }

    /** RAFT's cut after its own snapshot: the snapshot and the log belong together again */
    @Override
    public void truncate(long indexExclusive) {
        try {
            cut(Math.min(indexExclusive, commitIndex())); // RAFT cuts at most at the commit index too
            Files.deleteIfExists(dir.resolve(INSTALLING));
        } catch (IOException e) {
            throw new IllegalStateException("could not cut the log in " + dir + " at " + indexExclusive, e);
        }
    }

    /**
     * The log from {@code index} on, made from a copy checked whole ({@link LogCut}) instead of RAFT 1.1.4's
     * unchecked one: the copy prepared with the snapshot if the log is as it was then, else one made now. RAFT's
     * file log is opened again on the cut file, which is how it learns the entries' new positions.
     */
    private void cut(long index) throws IOException {
        LogCut cut = preparedCut;
        preparedCut = null;
        Path entries = dir.resolve(ENTRIES_FILE);
        if (cut != null && (cut.index != index || cut.last != lastAppended() || cut.logSize != logSize())) {
            deleteCopy(cut);
            cut = null;
        }
        if (cut == null) {
            if (index > lastAppended()) { // nothing kept (RAFT's cut past its log's end): no copy to make
                super.truncate(index);
                return;
            }
            cut = prepareCut(index);
            if (cut == null) {
                return; // the log starts at the index already
            }
        }
        cut.moveOver(entries);
        forceNames();
        super.close();
        try {
            super.init(logName, args);
        } catch (Exception e) {
            throw new IOException("could not open the log in " + dir + " again after its cut", e);
        }
        if (firstAppended() != index || lastAppended() != cut.last) {
            throw new IllegalStateException("the log in " + dir + " holds " + firstAppended() + ".."
                    + lastAppended() + " after its cut, not " + index + ".." + cut.last);
        }
    }

    /** the entries from {@code index} to the log's end, written whole beside it; null if there is nothing to cut */
    private LogCut prepareCut(long index) {
        if (index <= Math.max(firstAppended(), 1) || index > lastAppended()) {
            return null;
        }
        try {
            return LogCut.prepare(this, dir.resolve(ENTRIES_FILE + ".tmp"), index, lastAppended(), logSize(),
                    useFsync());
        } catch (IOException e) {
            throw new IllegalStateException("could not copy the entries from " + index + " on in " + dir
                    + " for the log's cut; the log and the snapshot are left as they were", e);
        }
    }

    /** the entries file's size: a log that changed since a copy was prepared needs a new one */
    private long logSize() throws IOException {
        return Files.size(dir.resolve(ENTRIES_FILE));
    }

    private static void deleteCopy(LogCut cut) {
        if (cut != null) {
            try {
                Files.deleteIfExists(cut.copy);
            } catch (IOException e) {
                LOG.warn("could not delete %s: %s", cut.copy, e);
            }
        }
    }

    /**
     * The node's current term, which never goes down. RAFT 1.1.4's file log keeps one term for two things: the
     * node's current term (RAFT's vote state, read back at a start) and the term of the last entry it appended,
     * which it writes on every append, on a delete at a conflict and on a snapshot's install. A follower that
     * appended older terms' entries (catching up) had its current term lowered on disk; restarted, it took a term
     * it had already voted in or left as new, so it could vote twice in one term, and take a deposed leader's
     * requests as current.
     */
    @Override
    public org.jgroups.protocols.raft.Log currentTerm(long term) {
        return term < currentTerm() ? this : super.currentTerm(term);
    }

    /**
     * The vote, forced to disk when the log is ({@code log.fsync}): RAFT 1.1.4 writes it without a flush (upstream
     * flushes it since), so a power cut could take back a vote the node had given, and it could vote again in
     * that term.
     */
    @Override
    public org.jgroups.protocols.raft.Log votedFor(org.jgroups.Address member) {
        super.votedFor(member);
        if (useFsync()) {
            force(dir.resolve(METADATA_FILE));
        }
        return this;
    }

    /** forces a file of this log's folder, or the folder itself (its names), to disk */
    void force(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new IllegalStateException("could not force " + file + " to disk", e);
        }
    }

    @Override
    public void reinitializeTo(long index, LogEntry entry) {
        long term = currentTerm();
        try {
            writeInstalling(index, entry.term());
            super.reinitializeTo(index, entry); // writes the entry's term as the current one
            if (currentTerm() < term) {
                super.currentTerm(term);
            }
            writeAt(0, header(index, entry.term(), entry.internal(), entry.length()), entry);
            Files.delete(dir.resolve(INSTALLING));
        } catch (IOException e) {
            throw new IllegalStateException("could not write the log's first entry (index " + index + ") in " + dir,
                    e);
        }
    }

    /** the snapshot's index and term, and the node's current term, which RAFT's install writes over */
    private void writeInstalling(long index, long term) throws IOException {
        writeWhole(INSTALLING, ByteBuffer.allocate(24).putLong(index).putLong(term).putLong(currentTerm()).flip());
    }

    /** a file of this log's folder, whole or not at all: written beside it, forced when the log is, moved over it */
    private void writeWhole(String name, ByteBuffer content) throws IOException {
        Files.move(writeBeside(name, content), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        forceNames();
    }

    /**
     * The folder's names to disk when the log is forced: a move is a change of the folder, which forcing the file
     * does not write (RAFT 1.1.4's cut moves its copy over the log without it).
     */
    private void forceNames() {
        if (useFsync()) {
            force(dir);
        }
    }

    /** the content in a file beside {@code name}, forced when the log is; the caller moves it over {@code name} */
    private Path writeBeside(String name, ByteBuffer content) throws IOException {
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
        return tmp;
    }

    /**
     * Finishes putting a snapshot in place when a kill cut it short after the snapshot was moved: true if the
     * file now holds only the snapshot's entry (it did not hold that entry), false if nothing was left to do or
     * the log was cut at the snapshot's entry.
     */
    private boolean finishInstall() throws IOException {
        Path installing = dir.resolve(INSTALLING);
        if (!Files.exists(installing)) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(installing));
        if (b.remaining() < 16) {
            return false; // cut short before the file was moved: nothing had started
        }
        long index = b.getLong();
        long term = b.getLong();
        if (b.remaining() == 8 && currentTerm() < b.getLong(16)) {
            super.currentTerm(b.getLong(16)); // RAFT's install had written the snapshot entry's term over it
        }
        if (Files.exists(dir.resolve(SNAPSHOT_FILE + ".tmp"))) {
            return false; // cut short before the snapshot was moved: the old one and the log belong together
        }
        if (firstAppended() >= index) {
            return false; // done, only this file was left
        }
        if (commitIndex() < index) {
            commitIndex(index);
        }
        LogEntry at = get(index);
        if (at != null && at.term() == term) {
            LOG.warn("%s: the log was not cut at the snapshot's index %d; it is cut now", dir, index);
            cut(index);
            return false;
        }
        LOG.warn("%s: installing the snapshot at index %d was cut short; its entry is written now", dir, index);
        Files.write(dir.resolve(ENTRIES_FILE), new byte[0], StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        writeAt(0, header(index, term, false, 0), null);
        return true;
    }

    /**
     * Drops a last entry whose bytes the file does not hold whole. A SIGKILL inside RAFT's write of an entry of a
     * few pages left its header and the first part of its bytes (the kernel stops copying at the signal, at a
     * page's end: {@code FileLogTest}); RAFT 1.1.4 counts an entry as appended from its header alone and cannot
     * read it, so the node would answer for an entry it did not hold and fail to apply it. The write had
     * not returned, so the entry was never acknowledged. Only the last entry can be cut: RAFT appends each batch
     * with one write at the file's end.
     */
    private void dropTornEntry(String logName, Map<String, String> args) throws Exception {
        long last = lastAppended();
        boolean removable = last == 1 || last > Math.max(firstAppended(), 1);
        if (!removable || get(last) != null) {
            return;
        }
        LOG.warn("%s: the log's last entry (index %d) was cut short by a kill inside its write; it is dropped",
                dir, last);
        if (commitIndex() >= last) {
            // only a lost page cache keeps a commit and loses part of its entry (LogLossCheck's case); RAFT's file
            // log never lowers the commit index, so it is written beside it, and the log read again
            super.close();
            org.jgroups.raft.filelog.MetadataStorage metadata = new org.jgroups.raft.filelog.MetadataStorage(
                    dir.toFile(), useFsync());
            metadata.open();
            metadata.setCommitIndex(last - 1);
            metadata.close();
            super.init(logName, args);
        }
        deleteAllEntriesStartingFrom(last);
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
            ByteBuffer data = dataOf(entry);
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

    /** an entry's bytes as the file holds them after its header; none for a null entry */
    static ByteBuffer dataOf(LogEntry entry) {
        return entry == null || entry.command() == null || entry.length() == 0 ? ByteBuffer.allocate(0)
                : ByteBuffer.wrap(entry.command(), entry.offset(), entry.length());
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
