package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The log's cut on a file system without room for the copy of the entries it keeps: a tmpfs of the test's own
 * (mounted as root, as the process ITs make their namespaces), filled by a file beside the log. 3,000 entries of
 * 1 KB; the cut at 1,000 keeps about 2 MB and 1 MB is free.
 */
public class FileLogFullDiskTest {

    private static final int ENTRIES = 3000;
    private static final long CUT = 1000;

    private final Path dir = Path.of("target", "file-log-full-" + System.nanoTime()).toAbsolutePath();
    private final Path filler = dir.resolve("filler");

    @Before
    public void mount() throws Exception {
        Files.createDirectories(dir);
        assertEquals("mounting a tmpfs of 8 MB on " + dir + " (needs root)", "",
                run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir.toString()));
    }

    @After
    public void unmount() throws Exception {
        // lazily: RAFT's metadata file stays mapped, its channel open, until the garbage collector takes them
        String unmounted = run("umount", "--lazy", dir.toString());
        Folders.deleteAll(dir);
        assertEquals("unmounting " + dir, "", unmounted);
    }

    /**
     * The copy fails before anything moves: no snapshot, every entry there with its bytes; RAFT logs the failed
     * snapshot and tries again later. With room again, the snapshot and the cut are made.
     */
    @Test
    public void aCutWithoutRoomForItsCopyLeavesTheLogAndTheSnapshotAsTheyWere() throws Exception {
        FileLog log = open(new FileLog());
        fillWithEntries(log);
        leaveFree(1 << 20);
        try {
            log.setSnapshot(FileLogTest.snapshotOf(CUT));
            fail("a snapshot whose cut cannot be copied");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("the log and the snapshot are left"));
        }
        assertEquals(List.of(FileLog.ENTRIES_FILE, "filler", FileLog.METADATA_FILE), names());
        assertEntries(log, 1);
        log.close();
        log = open(new FileLog());
        assertEntries(log, 1);

        Files.delete(filler);
        log.setSnapshot(FileLogTest.snapshotOf(CUT));
        log.truncate(CUT);
        assertEquals(CUT, log.firstAppended());
        assertEntries(log, CUT);
        log.close();
        FileLog again = open(new FileLog());
        assertEquals(CUT, again.firstAppended());
        assertEntries(again, CUT);
        assertEquals(CUT, again.getSnapshot().getLong());
        again.close();
    }

    /** RAFT 1.1.4's own file log on the same disk: the cut moves a short copy over the log, and its tail is gone */
    @Test
    public void raftsOwnFileLogLosesTheNewestEntriesInTheCut() throws Exception {
        FileBasedLog log = open(new FileBasedLog());
        fillWithEntries(log);
        leaveFree(1 << 20);
        log.setSnapshot(FileLogTest.snapshotOf(CUT));
        log.truncate(CUT);
        assertEquals(ENTRIES, log.lastAppended());
        assertNull("entry " + ENTRIES + " read after the cut", log.get(ENTRIES));
        log.close();
    }

    private static void fillWithEntries(FileBasedLog log) {
        for (long i = 1; i <= ENTRIES; i++) {
            log.append(i, new LogEntries().add(new LogEntry(1, LogCutTarget.bytesOf(i, 1024))));
        }
        log.commitIndex(CUT);
    }

    private void assertEntries(FileBasedLog log, long first) {
        assertEquals(ENTRIES, log.lastAppended());
        for (long i = first; i <= ENTRIES; i++) {
            LogEntry e = log.get(i);
            byte[] bytes = e == null ? null : Arrays.copyOfRange(e.command(), e.offset(), e.offset() + e.length());
            assertTrue("entry " + i + " of " + first + ".." + ENTRIES,
                    Arrays.equals(LogCutTarget.bytesOf(i, 1024), bytes));
        }
    }

    /** a file beside the log that leaves {@code bytes} free on the tmpfs */
    private void leaveFree(long bytes) throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();
        Files.write(filler, new byte[(int) (usable - bytes)]);
        long free = Files.getFileStore(dir).getUsableSpace();
        assertTrue("free " + free, free <= bytes && free > 0);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private <L extends FileBasedLog> L open(L log) throws Exception {
        log.useFsync(false);
        log.init(dir.toString(), Map.of());
        return log;
    }

    /** the command's output, "" if it printed nothing and ended with 0 */
    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "exit " + p.exitValue() + ": " + out;
    }
}
