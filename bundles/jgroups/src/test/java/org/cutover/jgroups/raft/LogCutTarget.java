package org.cutover.jgroups.raft;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;

/**
 * Logs that are cut while signals arrive: {@link LogCutSignalTest} sends SIGUSR1 to the thread that cuts, every
 * millisecond. Each round a new log of {@value #ENTRIES} entries of 8 KB, RAFT's own snapshot at its last entry's
 * index minus {@value #KEPT}, the cut there, then every kept entry read back. Arguments: the folder, the log's
 * class and the number of rounds; prints this thread's id, then one line per round that lost entries, then
 * {@code rounds N, short cuts M, failed snapshots F}.
 */
public final class LogCutTarget {

    static final int ENTRIES = 2000;
    static final int KEPT = 1000;

    private LogCutTarget() {
    }

    public static void main(String[] args) throws Exception {
        // a handler, so that the signal interrupts a system call instead of ending the process
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> { });
        Path base = Path.of(args[0]);
        int rounds = Integer.parseInt(args[2]);
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // PID/task/TID
        System.out.println("tid " + self.substring(self.lastIndexOf('/') + 1));
        System.out.flush();
        Thread.sleep(500); // the signals start
        int shortCuts = 0;
        int failedSnapshots = 0;
        for (int round = 0; round < rounds; round++) {
            FileBasedLog log = (FileBasedLog) Class.forName(args[1]).getDeclaredConstructor().newInstance();
            log.useFsync(false);
            log.init(base.resolve(Integer.toString(round)).toString(), Map.of());
            for (int i = 1; i <= ENTRIES; i += 100) {
                LogEntries batch = new LogEntries();
                for (int k = i; k < i + 100; k++) {
                    batch.add(new LogEntry(1, bytesOf(k, 8192)));
                }
                log.append(i, batch);
            }
            long cut = ENTRIES - KEPT;
            log.commitIndex(cut);
            try {
                log.setSnapshot(FileLogTest.snapshotOf(cut));
                log.truncate(cut);
            } catch (IllegalStateException e) {
                failedSnapshots++; // the log and the snapshot are as they were: RAFT tries again later
                System.out.println("round " + round + ": " + e.getMessage());
            }
            for (long i = cut; i <= ENTRIES; i++) {
                LogEntry e = log.get(i);
                if (e == null || !Arrays.equals(bytesOf(i, 8192), Arrays.copyOfRange(e.command(), e.offset(),
                        e.offset() + e.length()))) {
                    shortCuts++;
                    System.out.println("round " + round + ": entry " + i + " of " + cut + ".." + ENTRIES
                            + " cannot be read after the cut");
                    break;
                }
            }
            log.close();
        }
        System.out.println("rounds " + rounds + ", short cuts " + shortCuts + ", failed snapshots "
                + failedSnapshots);
    }

    /** {@code size} bytes that say which entry they are */
    static byte[] bytesOf(long index, int size) {
        byte[] b = new byte[size];
        byte[] name = ("entry " + index + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            b[i] = name[i % name.length];
        }
        return b;
    }
}
