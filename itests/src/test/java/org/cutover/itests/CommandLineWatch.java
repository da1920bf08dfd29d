package org.cutover.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads the command line of every process on the machine ({@code /proc/<pid>/cmdline}, what {@code ps} shows)
 * every few milliseconds while a test runs, and keeps each distinct one: what anyone on the machine could have seen.
 * A JVM started to run one command (bin/client) lives for a second or more; the watch catches processes of
 * 200 ms ({@link #sawProcessWith} proves it in the test that uses it).
 */
final class CommandLineWatch implements AutoCloseable {

    private static final long PERIOD_MILLIS = 5;
    /** a bound on what is kept: the Karaf JVMs' lines are long, and a run starts a few hundred processes */
    private static final int MAX_LINES = 20_000;

    private final Set<String> seen = new LinkedHashSet<>();
    private final Thread reader;
    private volatile boolean stopped;
    private long scans;

    CommandLineWatch() {
        reader = new Thread(this::readUntilClosed, "command-line-watch");
        reader.setDaemon(true);
        reader.start();
    }

    private void readUntilClosed() {
        while (!stopped) {
            scan();
            try {
                TimeUnit.MILLISECONDS.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void scan() {
        List<String> lines = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName()
                .toString().chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                try {
                    byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
                    if (raw.length > 0) {
                        lines.add(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip());
                    }
                } catch (IOException gone) {
                    // the process ended between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        synchronized (seen) {
            scans++;
            for (String line : lines) {
                if (seen.size() < MAX_LINES) {
                    seen.add(line);
                }
            }
        }
    }

    /** every distinct command line seen so far that contains {@code secret} */
    List<String> linesContaining(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("no secret to look for");
        }
        synchronized (seen) {
            return seen.stream().filter(l -> l.contains(secret)).toList();
        }
    }

    /** starts a process of {@code millis} whose command line carries {@code marker}, and says whether it was seen */
    boolean sawProcessWith(String marker, long millis) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "sleep " + millis / 1000.0, marker).start();
        p.waitFor();
        return !linesContaining(marker).isEmpty();
    }

    String summary() {
        synchronized (seen) {
            return seen.size() + " distinct command lines in " + scans + " scans";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        reader.interrupt();
        reader.join(TimeUnit.SECONDS.toMillis(5));
    }
}
