package org.cutover.jgroups.raft;

import java.util.Map;

import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;

/**
 * A follower's log that installs snapshots and takes its own over and over,
 * with fsync, until it is killed (each snapshot's first 8 bytes are its
 * index): {@link FileLogTest} kills it with SIGKILL at a random moment and
 * opens what it left. Arguments: the log's folder and its class, and
 * {@code first-snapshots} to write first snapshots of new logs instead.
 */
public final class FileLogKillTarget {

    private FileLogKillTarget() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 2 && args[2].equals("first-snapshots")) {
            firstSnapshots(args[0], args[1]);
            return;
        }
        if (args.length > 2 && args[2].equals("large-entries")) {
            largeEntries(args[0], args[1]);
            return;
        }
        FileBasedLog log = (FileBasedLog) Class.forName(args[1]).getDeclaredConstructor().newInstance();
        log.useFsync(true);
        log.init(args[0], Map.of());
        long index = Math.max(log.lastAppended(), 1);
        if (log.lastAppended() == 0) {
            log.append(1, new LogEntries().add(new LogEntry(1, new byte[8])));
            log.commitIndex(1);
        }
        System.out.println("ready");
        System.out.flush();
        for (long term = 2; ; term++) {
            index += 10;
            // a leader's snapshot installed as CheckedFollower and RAFT's follower do it
            if (log instanceof FileLog file) {
                file.installing(index, term);
            }
            log.setSnapshot(FileLogTest.snapshotOf(index));
            Thread.sleep(1); // RAFT reads the snapshot into the state machine here
            log.reinitializeTo(index, new LogEntry(term, null));
            log.append(index + 1, new LogEntries().add(new LogEntry(term, new byte[100])));
            log.append(index + 2, new LogEntries().add(new LogEntry(term, new byte[100])));
            log.commitIndex(index + 2);
            index += 2;
            // and a snapshot of its own at the commit index, then the cut, as RAFT's takeSnapshot does
            log.setSnapshot(FileLogTest.snapshotOf(index));
            log.truncate(index);
        }
    }

    /** one log after another, in folders 0, 1, 2, ..., each getting its first snapshot: 8 MB of one byte value */
    private static void firstSnapshots(String base, String logClass) throws Exception {
        byte[] state = new byte[SNAPSHOT_BYTES];
        for (int i = 0; ; i++) {
            java.util.Arrays.fill(state, (byte) (i % 100 + 1));
            FileBasedLog log = (FileBasedLog) Class.forName(logClass).getDeclaredConstructor().newInstance();
            log.useFsync(true);
            log.init(java.nio.file.Path.of(base, Integer.toString(i)).toString(), Map.of());
            if (i == 0) {
                System.out.println("ready");
                System.out.flush();
            }
            log.setSnapshot(java.nio.ByteBuffer.wrap(state));
            log.close();
        }
    }

    /**
     * Entries of {@value #LARGE_ENTRY_BYTES} bytes appended one by one without fsync (a write to the page cache
     * is then most of the loop, so a kill lands inside one), the log cut back to its first entry every 20; each
     * entry's bytes are {@link #largeEntry its index's}.
     */
    private static void largeEntries(String dir, String logClass) throws Exception {
        FileBasedLog log = (FileBasedLog) Class.forName(logClass).getDeclaredConstructor().newInstance();
        log.useFsync(false);
        log.init(dir, Map.of());
        if (log.lastAppended() == 0) {
            log.append(1, new LogEntries().add(new LogEntry(1, largeEntry(1))));
        }
        byte[][] entries = new byte[22][];
        for (int index = 2; index <= 21; index++) {
            entries[index] = largeEntry(index);
        }
        System.out.println("ready");
        System.out.flush();
        while (true) {
            for (long index = log.lastAppended() + 1; index <= 21; index++) {
                log.append(index, new LogEntries().add(new LogEntry(1, entries[(int) index])));
            }
            log.deleteAllEntriesStartingFrom(2);
        }
    }

    /** the bytes of the large entry at {@code index}: the index, then one byte value */
    static byte[] largeEntry(long index) {
        byte[] b = new byte[LARGE_ENTRY_BYTES];
        java.util.Arrays.fill(b, (byte) (index % 100 + 1));
        java.nio.ByteBuffer.wrap(b).putLong(0, index);
        return b;
    }

    static final int SNAPSHOT_BYTES = 8 << 20;
    static final int LARGE_ENTRY_BYTES = 4 << 20;
}
