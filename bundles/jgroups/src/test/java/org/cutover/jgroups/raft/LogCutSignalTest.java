package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jgroups.protocols.raft.FileBasedLog;
import org.junit.After;
import org.junit.Test;

/**
 * The log's cut while signals arrive at the thread that makes it, from another process: a signal inside
 * {@code FileChannel.transferTo} ends it early, with the bytes copied so far and no error (measured: 145 of 200
 * copies of 64 MB with a signal every 5 ms). RAFT 1.1.4 then moves the short copy over the log, and the appends
 * after it fail on the entry before theirs, which the file no longer holds, until a snapshot replaces the log. A
 * JVM signals its own threads too (JFR suspends a thread it samples with a signal); whether one ever lands inside
 * the copy of a node's cut was not shown.
 */
public class LogCutSignalTest {

    private static final int ROUNDS = 20;

    private final Path dir = Path.of("target", "log-cut-signal-" + System.nanoTime()).toAbsolutePath();

    @After
    public void delete() throws IOException {
        Folders.deleteAll(dir);
    }

    @Test
    public void everyKeptEntryIsThereAfterCutsMadeUnderSignals() throws Exception {
        List<String> out = cutUnderSignals(FileLog.class);
        assertEquals(out.toString(), "rounds " + ROUNDS + ", short cuts 0, failed snapshots 0",
                out.get(out.size() - 1));
    }

    /** the same on RAFT's own log: the signals reach its copy, and entries are lost (so they reach FileLog's too) */
    @Test
    public void raftsOwnFileLogLosesKeptEntriesToSignals() throws Exception {
        List<String> out = cutUnderSignals(FileBasedLog.class);
        String summary = out.get(out.size() - 1);
        assertTrue(out.toString(), summary.startsWith("rounds " + ROUNDS + ", short cuts ")
                && !summary.startsWith("rounds " + ROUNDS + ", short cuts 0,"));
    }

    /** {@link LogCutTarget}'s output, its cutting thread sent SIGUSR1 every millisecond by python3 */
    private List<String> cutUnderSignals(Class<? extends FileBasedLog> logClass) throws Exception {
        Process target = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LogCutTarget.class.getName(), dir.toString(),
                logClass.getName(), Integer.toString(ROUNDS)).redirectErrorStream(true).start();
        Process signals = null;
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(target.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = lines.readLine();
            assertTrue("the target's thread: " + first, first != null && first.startsWith("tid "));
            Path script = dir.resolve("tgkill.py");
            Files.createDirectories(dir);
            try (var in = LogCutSignalTest.class.getResourceAsStream("tgkill.py")) {
                Files.copy(in, script);
            }
            signals = new ProcessBuilder("python3", script.toString(), Long.toString(target.pid()),
                    first.substring(4)).redirectErrorStream(true).start();
            List<String> out = new ArrayList<>();
            for (String line; (line = lines.readLine()) != null; ) {
                out.add(line);
            }
            assertTrue("the target ended", target.waitFor(120, TimeUnit.SECONDS));
            assertTrue("python3 ended", signals.waitFor(10, TimeUnit.SECONDS));
            String sent = new String(signals.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue("signals sent: " + sent + "; " + out, sent.matches("\\d+") && Long.parseLong(sent) > 100);
            System.out.println(logClass.getSimpleName() + " under " + sent + " signals: " + out.get(out.size() - 1));
            return out;
        } finally {
            target.destroyForcibly();
            if (signals != null) {
                signals.destroyForcibly();
            }
        }
    }
}
