package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;
import org.junit.After;
import org.junit.Test;

/**
 * A follower's log after it installed a snapshot and appended more, then
 * restarted: RAFT 1.1.4's FileBasedLog reads it as empty; {@link FileLog}
 * reads it whole, and repairs a file the former left.
 */
public class FileLogTest {

    private final Path dir = Path.of("target", "file-log-test-" + System.nanoTime());

    @After
    public void delete() throws IOException {
        Folders.deleteAll(dir);
    }

    @Test
    public void whatAFollowerAppendedAfterASnapshotIsThereAfterARestart() throws Exception {
        FileLog log = open(new FileLog());
        followerWithASnapshot(log);
        log.close();

        FileLog again = open(new FileLog());
        assertEquals(500, again.firstAppended());
        assertEquals(502, again.lastAppended());
        assertEquals(502, again.commitIndex());
        assertEquals("the snapshot's entry, with its term", 2, again.get(500).term());
        assertEquals("after-1", text(again.get(501)));
        assertEquals("after-2", text(again.get(502)));
        again.append(503, new LogEntries().add(entry(3, "after-3")));
        assertEquals("after-3", text(again.get(503)));
        again.close();
    }

    /** what this class exists for: if an upgrade of jgroups-raft fixes it, this fails and FileLog can go */
    @Test
    public void raftsOwnFileLogReadsItAsEmpty() throws Exception {
        FileBasedLog log = open(new FileBasedLog());
        followerWithASnapshot(log);
        log.close();

        FileBasedLog again = open(new FileBasedLog());
        assertEquals(0, again.firstAppended());
        assertEquals(0, again.lastAppended());
        assertEquals(502, again.commitIndex());
        again.close();
    }

    @Test
    public void aFileLeftByRaftsOwnLogGetsItsFirstEntryBack() throws Exception {
        FileBasedLog broken = open(new FileBasedLog());
        followerWithASnapshot(broken);
        broken.close();

        FileLog repaired = open(new FileLog());
        assertEquals(500, repaired.firstAppended());
        assertEquals(502, repaired.lastAppended());
        LogEntry first = repaired.get(500);
        assertNotNull(first);
        assertEquals("the next entry's term: the real one is lost, and is not higher", 2, first.term());
        assertEquals("after-1", text(repaired.get(501)));
        assertEquals("after-2", text(repaired.get(502)));
        repaired.close();
    }

    @Test
    public void aLogThatNeverHadASnapshotIsLeftAlone() throws Exception {
        FileLog log = open(new FileLog());
        log.append(1, new LogEntries().add(entry(1, "one")).add(entry(1, "two")));
        log.commitIndex(2);
        log.close();
        FileLog again = open(new FileLog());
        assertEquals(2, again.lastAppended());
        assertEquals("one", text(again.get(1)));
        again.close();
        FileLog empty = open(new FileLog(), dir.resolve("empty"));
        assertEquals(0, empty.lastAppended());
        empty.close();
    }

    /**
     * A process installing snapshots and taking its own is killed (SIGKILL) at random moments, 12 times over the
     * same log; each time, the log it left opens with every entry up to its commit index readable, from the
     * snapshot's on, and starts where the snapshot ends.
     */
    @Test
    public void aLogKilledWhileItInstallsSnapshotsOpensWhole() throws Exception {
        java.util.Random random = new java.util.Random();
        for (int kill = 0; kill < 12; kill++) {
            killTarget(dir, random, 20);

            FileLog log = open(new FileLog());
            String seen = "after kill " + kill + ": first " + log.firstAppended() + ", last " + log.lastAppended()
                    + ", commit " + log.commitIndex();
            assertNotNull(seen + ": the first entry", log.get(Math.max(1, log.firstAppended())));
            assertTrue(seen, log.lastAppended() >= log.commitIndex());
            for (long i = Math.max(1, log.firstAppended()); i <= log.lastAppended(); i++) {
                assertNotNull(seen + ": entry " + i, log.get(i));
            }
            java.nio.ByteBuffer snapshot = log.getSnapshot();
            if (snapshot != null) {
                assertEquals(seen + ": RAFT replays the entries after the first on top of the snapshot",
                        snapshot.getLong(0), log.firstAppended());
            }
            log.close();
        }
    }

    /**
     * What such a kill leaves, made by hand: the file ends one page into the last entry's bytes. RAFT's own log
     * counted that entry as appended and could not read it.
     */
    @Test
    public void anEntryCutShortIsDroppedAndTheNextGoesInItsPlace() throws Exception {
        threeEntriesTheLastCutAfterAPage(2);
        FileBasedLog cut = open(new FileBasedLog());
        assertEquals("RAFT's own log counts the cut entry", 3, cut.lastAppended());
        assertEquals("and cannot read it", null, cut.get(3));
        cut.close();

        FileLog log = open(new FileLog());
        assertEquals(2, log.lastAppended());
        assertEquals(2, log.commitIndex());
        log.append(3, new LogEntries().add(entry(1, "in its place")));
        log.close();
        FileLog again = open(new FileLog());
        assertEquals(3, again.lastAppended());
        assertEquals("in its place", text(again.get(3)));
        again.close();
    }

    /** after a power cut without fsync the commit index can name an entry the page cache lost part of */
    @Test
    public void aCommitIndexPastTheDroppedEntryComesBackToTheLogsEnd() throws Exception {
        threeEntriesTheLastCutAfterAPage(3);
        FileLog log = open(new FileLog());
        assertEquals(2, log.lastAppended());
        assertEquals(2, log.commitIndex());
        log.close();
    }

    /**
     * A process appending 4 MB entries to the page cache is killed (SIGKILL) at random moments, 12 times over the
     * same log: a kill inside a write leaves the first part of an entry (the kernel stops copying at the signal;
     * 5 of 30 kills of RAFT's own log did, measured 2026-12-04).
     * Each time, every entry the log opens with is whole, and the next one goes right after it.
     */
    @Test
    public void aLogKilledInsideAWriteOpensWithWholeEntriesOnly() throws Exception {
        java.util.Random random = new java.util.Random();
        for (int kill = 0; kill < 12; kill++) {
            killTarget(dir, random, 20, "large-entries");

            FileLog log = open(new FileLog());
            String seen = "after kill " + kill + ": last " + log.lastAppended() + ", file "
                    + Files.size(dir.resolve(FileLog.ENTRIES_FILE)) + " bytes";
            for (long i = 1; i <= log.lastAppended(); i++) {
                LogEntry e = log.get(i);
                assertNotNull(seen + ": entry " + i, e);
                assertTrue(seen + ": entry " + i + " whole", java.util.Arrays.equals(FileLogKillTarget.largeEntry(i),
                        java.util.Arrays.copyOfRange(e.command(), e.offset(), e.offset() + e.length())));
            }
            long next = log.lastAppended() + 1;
            log.append(next, new LogEntries().add(new LogEntry(1, FileLogKillTarget.largeEntry(next))));
            log.close();
            FileLog again = open(new FileLog());
            assertEquals(seen + ": appended after it", next, again.lastAppended());
            assertNotNull(seen + ": the entry appended after it", again.get(next));
            again.close();
        }
    }

    /**
     * A process writing the first snapshot of one new log after another is killed (SIGKILL) at random moments, 6
     * times; every snapshot it left is whole (8 MB). RAFT's own log left a part of one.
     */
    @Test
    public void aSnapshotIsWrittenWholeOrNotAtAll() throws Exception {
        java.util.Random random = new java.util.Random();
        for (int kill = 0; kill < 6; kill++) {
            Path base = dir.resolve("kill-" + kill);
            killTarget(base, random, 30, "first-snapshots");
            try (Stream<Path> logs = Files.list(base)) {
                for (Path log : logs.toList()) {
                    Path snapshot = log.resolve(FileLog.SNAPSHOT_FILE);
                    if (Files.exists(snapshot)) {
                        assertEquals("after kill " + kill + ": " + snapshot, FileLogKillTarget.SNAPSHOT_BYTES,
                                Files.size(snapshot));
                    }
                }
            }
        }
    }

    /**
     * RAFT's own snapshot: the snapshot is written, then the log is cut at the commit index. Stopped between the
     * two (as a kill would), RAFT's log opened uncut beside the new snapshot, and RAFT applied entries 2-80 again
     * on top of a state that held them.
     */
    @Test
    public void aSnapshotWhoseCutWasNotMadeIsCutAtTheNextStart() throws Exception {
        FileLog log = open(new FileLog());
        hundredEntries(log, 80);
        log.setSnapshot(snapshotOf(80));
        log.close(); // stopped before RAFT's truncate(80)

        FileLog again = open(new FileLog());
        assertEquals("the log starts at the snapshot's index", 80, again.firstAppended());
        assertEquals(100, again.lastAppended());
        assertEquals("e81", text(again.get(81)));
        assertEquals("e100", text(again.get(100)));
        assertFalse(Files.exists(dir.resolve(FileLog.INSTALLING)));
        again.close();
    }

    /**
     * A leader's snapshot installed by a follower: the snapshot is written, RAFT reads it into the state machine,
     * then empties the log to the snapshot's entry. Stopped before that, the log opened with its old entries
     * beside a snapshot of a later index.
     */
    @Test
    public void anInstallStoppedAfterTheSnapshotIsFinishedAtTheNextStart() throws Exception {
        FileLog log = open(new FileLog());
        hundredEntries(log, 90);
        log.installing(500, 2);
        log.setSnapshot(snapshotOf(500));
        log.close(); // stopped before RAFT's reinitializeTo(500)

        FileLog again = open(new FileLog());
        assertEquals(500, again.firstAppended());
        assertEquals(500, again.lastAppended());
        assertEquals(500, again.commitIndex());
        assertEquals("the snapshot's entry, with its term", 2, again.get(500).term());
        again.close();
    }

    /** a snapshot written but not yet moved into place: the old snapshot and the log still belong together */
    @Test
    public void aSnapshotNotYetInPlaceLeavesTheOldOneAndTheLog() throws Exception {
        FileLog log = open(new FileLog());
        hundredEntries(log, 80);
        log.setSnapshot(snapshotOf(80));
        log.truncate(80);
        log.close();
        // as a kill leaves it between the index file and the move of the next install's snapshot
        Files.write(dir.resolve(FileLog.SNAPSHOT_FILE + ".tmp"), snapshotOf(500).array());
        Files.write(dir.resolve(FileLog.INSTALLING),
                java.nio.ByteBuffer.allocate(24).putLong(500).putLong(2).putLong(1).array());

        FileLog again = open(new FileLog());
        assertEquals(80, again.firstAppended());
        assertEquals(100, again.lastAppended());
        assertEquals(80, again.getSnapshot().getLong());
        assertFalse(Files.exists(dir.resolve(FileLog.INSTALLING)));
        again.close();
    }

    /** RAFT's own file log: the same stop leaves the log uncut beside the snapshot */
    @Test
    public void raftsOwnFileLogLeavesTheLogUncutBesideTheSnapshot() throws Exception {
        FileBasedLog log = open(new FileBasedLog());
        hundredEntries(log, 80);
        log.setSnapshot(snapshotOf(80));
        log.close();
        FileBasedLog again = open(new FileBasedLog());
        assertTrue("uncut: first " + again.firstAppended(), again.firstAppended() < 80);
        assertEquals("e2", text(again.get(2)));
        again.close();
    }

    /**
     * A kill during RAFT's cut leaves the copy of the kept entries ({@code entries.raft.tmp}); RAFT 1.1.4's next
     * cut writes into that file without emptying it and moves it over the log, old tail and all. Entries of one
     * size line the old tail up with the new entries, and the next start read it as more of the log: it ended at
     * 150 where it held 300.
     */
    @Test
    public void aCopyLeftByAKilledCutDoesNotGetIntoTheNextOne() throws Exception {
        FileLog log = open(new FileLog());
        for (long i = 1; i <= 150; i++) {
            log.append(i, new LogEntries().add(entry(1, String.format("e%03d", i))));
        }
        log.commitIndex(150);
        log.close();
        Files.copy(dir.resolve(FileLog.ENTRIES_FILE), dir.resolve(FileLog.ENTRIES_FILE + ".tmp"));

        log = open(new FileLog());
        for (long i = 151; i <= 200; i++) {
            log.append(i, new LogEntries().add(entry(1, String.format("e%03d", i))));
        }
        log.commitIndex(200);
        log.truncate(190);
        for (long i = 201; i <= 300; i++) { // past the zeros RAFT wrote ahead, onto the old tail
            log.append(i, new LogEntries().add(entry(1, String.format("e%03d", i))));
        }
        log.close();

        FileLog again = open(new FileLog());
        assertEquals(190, again.firstAppended());
        assertEquals(300, again.lastAppended());
        assertEquals("e300", text(again.get(300)));
        again.close();
    }

    /**
     * A follower at term 5 catches up with entries of terms 2 and 3, deletes a conflicting tail, installs a
     * snapshot of term 4: its current term stays 5, in memory and after a restart. RAFT 1.1.4's file log wrote the
     * appended entries' term as the node's current term (3, then 2, then 4), and a node restarted with that term
     * could vote a second time in a term it had voted in.
     */
    @Test
    public void theCurrentTermNeverGoesDown() throws Exception {
        FileLog log = open(new FileLog());
        log.currentTerm(5);
        log.append(1, new LogEntries().add(entry(2, "a")).add(entry(3, "b")).add(entry(3, "c")));
        assertEquals("after appending entries of older terms", 5, log.currentTerm());
        log.deleteAllEntriesStartingFrom(3);
        assertEquals("after deleting a tail", 5, log.currentTerm());
        log.close();
        FileLog again = open(new FileLog());
        assertEquals("after a restart", 5, again.currentTerm());
        again.reinitializeTo(40, new LogEntry(4, null));
        assertEquals("after a snapshot of term 4", 5, again.currentTerm());
        again.currentTerm(6);
        assertEquals("a higher term is taken", 6, again.currentTerm());
        again.close();
        FileLog last = open(new FileLog());
        assertEquals(6, last.currentTerm());
        assertEquals(40, last.firstAppended());
        last.close();
    }

    /**
     * RAFT's install writes the snapshot entry's term as the node's; FileLog puts the node's back right after, and
     * a kill between the two left the lower one: it is taken back from the installing-snapshot file at the next
     * start (the files here are as such a kill leaves them).
     */
    @Test
    public void aTermAnInstallWroteOverIsTakenBackAtTheNextStart() throws Exception {
        FileLog log = open(new FileLog());
        hundredEntries(log, 90);
        log.currentTerm(9);
        log.close();
        FileBasedLog raftsOwn = open(new FileBasedLog()); // RAFT's install, as far as the kill let it go
        raftsOwn.reinitializeTo(500, new LogEntry(2, null));
        assertEquals(2, raftsOwn.currentTerm());
        raftsOwn.close();
        Files.write(dir.resolve(FileLog.INSTALLING),
                java.nio.ByteBuffer.allocate(24).putLong(500).putLong(2).putLong(9).array());

        FileLog again = open(new FileLog());
        assertEquals("the node's term", 9, again.currentTerm());
        assertEquals(500, again.firstAppended());
        assertEquals(2, again.get(500).term());
        again.close();
    }

    /**
     * With log.fsync on, a vote is on disk before RAFT answers with it, and a move (the snapshot's, the cut's) is
     * in the folder on disk; with it off, nothing is forced.
     */
    @Test
    public void aVoteAndTheMovesAreForcedToDiskWhenTheLogIs() throws Exception {
        List<String> forced = new ArrayList<>();
        FileLog log = open(new FileLog() {
            @Override
            void force(Path file) {
                forced.add(file.getFileName().toString());
                super.force(file);
            }
        });
        log.useFsync(true);
        log.votedFor(org.jgroups.util.UUID.randomUUID());
        assertEquals(List.of(FileLog.METADATA_FILE), forced);
        log.votedFor(null);
        assertEquals("the vote dropped with a new term", 2, forced.size());
        forced.clear();
        hundredEntries(log, 80);
        log.setSnapshot(snapshotOf(80));
        log.truncate(80);
        String folder = dir.getFileName().toString();
        assertEquals("the snapshot's files and their moves, the cut's move", List.of(folder, folder, folder),
                forced);
        log.useFsync(false);
        log.votedFor(org.jgroups.util.UUID.randomUUID());
        log.setSnapshot(snapshotOf(80));
        log.truncate(80);
        assertEquals(3, forced.size());
        log.close();
    }

    /** RAFT's own file log: appending entries of older terms lowers the term it reads back at a start */
    @Test
    public void raftsOwnFileLogLowersTheCurrentTerm() throws Exception {
        FileBasedLog log = open(new FileBasedLog());
        log.currentTerm(5);
        log.append(1, new LogEntries().add(entry(2, "a")).add(entry(3, "b")));
        log.close();
        FileBasedLog again = open(new FileBasedLog());
        assertEquals(3, again.currentTerm());
        again.close();
    }

    /** three entries of three pages each, committed up to {@code commit}; the file ends one page into the third */
    private void threeEntriesTheLastCutAfterAPage(long commit) throws Exception {
        FileBasedLog raftsOwn = open(new FileBasedLog());
        for (long i = 1; i <= 3; i++) {
            raftsOwn.append(i, new LogEntries().add(new LogEntry(1, new byte[3 * 4096])));
        }
        raftsOwn.commitIndex(commit);
        raftsOwn.close();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir.resolve(FileLog.ENTRIES_FILE),
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(2L * (FileLog.HEADER_SIZE + 3 * 4096) + FileLog.HEADER_SIZE + 4096);
        }
    }

    /**
     * Starts {@link FileLogKillTarget} on the log at {@code at} (in {@code mode}, if one is given), waits until it
     * is ready, and kills it (SIGKILL) {@code minMillis} to {@code minMillis} + 200 ms later.
     */
    private static void killTarget(Path at, java.util.Random random, int minMillis, String... mode) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), FileLogKillTarget.class.getName(),
                at.toString(), FileLog.class.getName()));
        command.addAll(List.of(mode));
        Process target = new ProcessBuilder(command).redirectErrorStream(true).start();
        java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(target.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("the target started", "ready", out.readLine());
        Thread.sleep(minMillis + random.nextInt(200));
        target.destroyForcibly().waitFor();
    }

    /** entries "e1".."e100" of term 1, committed up to {@code commit} */
    private static void hundredEntries(FileBasedLog log, long commit) {
        for (long i = 1; i <= 100; i++) {
            log.append(i, new LogEntries().add(entry(1, "e" + i)));
        }
        log.commitIndex(commit);
    }

    /** a snapshot whose first 8 bytes are the index it is of, as the kill target writes them */
    static java.nio.ByteBuffer snapshotOf(long index) {
        return java.nio.ByteBuffer.allocate(64).putLong(0, index);
    }

    /** 100 entries of term 1, then a snapshot at 500 of term 2 is installed, then two more entries are appended */
    private static void followerWithASnapshot(FileBasedLog log) {
        for (long i = 1; i <= 100; i++) {
            log.append(i, new LogEntries().add(entry(1, "before-" + i)));
        }
        log.commitIndex(100);
        log.reinitializeTo(500, new LogEntry(2, null));
        log.append(501, new LogEntries().add(entry(2, "after-1")));
        log.append(502, new LogEntries().add(entry(2, "after-2")));
        log.commitIndex(502);
    }

    private <L extends FileBasedLog> L open(L log) throws Exception {
        return open(log, dir);
    }

    private static <L extends FileBasedLog> L open(L log, Path at) throws Exception {
        log.useFsync(false);
        log.init(at.toString(), Map.of());
        return log;
    }

    private static LogEntry entry(long term, String text) {
        return new LogEntry(term, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String text(LogEntry e) {
        return new String(e.command(), e.offset(), e.length(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
