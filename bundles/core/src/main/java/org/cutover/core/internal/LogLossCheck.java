package org.cutover.core.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Whether this node's log may hold less than the node acknowledged before it
 * stopped. Such a node must not count toward a majority until it has caught
 * up: Raft's safety rests on every acknowledged entry staying on the node
 * that acknowledged it, and ELECTION2 elects the voter with the highest log.
 *
 * <p>It reads a marker beside the log directory ({@code log.marker} beside
 * {@code log/}), written at every start and at every orderly stop. A log may
 * have lost entries when
 * <ul>
 *   <li>the marker is there and the log directory is empty: the log was lost
 *       (a replaced disk, a deleted directory);</li>
 *   <li>the log was written without fsync ({@code log.fsync=false}), the node
 *       did not stop in order, and the machine has booted since (a new Linux
 *       boot id): the page cache that held the unsynced tail is gone. A kill -9
 *       leaves the page cache, so the same boot id means nothing was lost.</li>
 * </ul>
 * A node with no marker at all is new (or its whole {@code data/} was wiped,
 * which this check cannot tell from new: {@code docs/operating.md} says to
 * remove and add such a node).
 */
final class LogLossCheck {

    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private final Path logDir;
    private final Path marker;
    private final boolean fsync;
    private final Supplier<String> bootId;

    LogLossCheck(Path logDir, boolean fsync) {
        this(logDir, fsync, LogLossCheck::linuxBootId);
    }

    LogLossCheck(Path logDir, boolean fsync, Supplier<String> bootId) {
        this.logDir = logDir;
        this.marker = logDir.resolveSibling(logDir.getFileName() + ".marker");
        this.fsync = fsync;
        this.bootId = bootId;
    }

    /** why this log may have lost acknowledged entries, or empty; then marks the log as running in this boot */
    Optional<String> start(boolean logEmpty) throws IOException {
        Optional<String> lost = lostBecause(logEmpty, read());
        write("running");
        return lost;
    }

    /** after the log is closed in order: its files forced to disk, so no later boot can lose them */
    void stopped() throws IOException {
        if (!fsync && Files.isDirectory(logDir)) {
            try (var files = Files.list(logDir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f)) {
                        try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
                            c.force(true);
                        }
                    }
                }
            }
        }
        write("stopped");
    }

    private Optional<String> lostBecause(boolean logEmpty, Map<String, String> last) {
        if (last.isEmpty()) {
            return Optional.empty();
        }
        if (logEmpty) {
            return Optional.of("its log directory " + logDir + " is empty, but " + marker + " says it held a log");
        }
        boolean unsynced = "false".equals(last.get("fsync"));
        boolean unclean = !"stopped".equals(last.get("state"));
        String now = bootId.get();
        boolean rebooted = now == null || !now.equals(last.get("boot"));
        if (unsynced && unclean && rebooted) {
            return Optional.of("its log was written without fsync and the machine has restarted since the node"
                    + " last ran (boot " + last.get("boot") + ", now " + now + "): its unsynced tail may be gone");
        }
        return Optional.empty();
    }

    private Map<String, String> read() throws IOException {
        Map<String, String> m = new HashMap<>();
        if (Files.exists(marker)) {
            for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        return m;
    }

    /** written to a temporary file, forced, then moved over the marker: a crash leaves the old or the new one */
    private void write(String state) throws IOException {
        String text = "# Cutover: the state of the log beside this file (LogLossCheck)\nstate=" + state + "\nboot="
                + bootId.get() + "\nfsync=" + fsync + "\n";
        Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            c.force(true);
        }
        Files.move(tmp, marker, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** null where the system has none (not Linux): every restart then counts as a new boot */
    private static String linuxBootId() {
        try {
            return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
