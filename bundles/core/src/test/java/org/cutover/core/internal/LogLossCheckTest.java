package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** When a node's log may have lost what it acknowledged, from the marker beside it; no network. */
public class LogLossCheckTest {

    @Rule
    public final TemporaryFolder dir = new TemporaryFolder();

    private final AtomicReference<String> boot = new AtomicReference<>("boot-1");

    private LogLossCheck check(Path log, boolean fsync) {
        return new LogLossCheck(log, fsync, boot::get);
    }

    @Test
    public void aNewNodeHasLostNothing() throws Exception {
        Path log = Files.createDirectories(dir.getRoot().toPath().resolve("log"));
        assertEquals(Optional.empty(), check(log, true).start(true));
        assertTrue("marked", Files.exists(dir.getRoot().toPath().resolve("log.marker")));
    }

    @Test
    public void anEmptiedLogDirectoryIsALoss() throws Exception {
        Path log = Files.createDirectories(dir.getRoot().toPath().resolve("log"));
        check(log, true).start(true);
        Files.writeString(log.resolve("entries"), "x");
        assertEquals(Optional.empty(), check(log, true).start(false));
        Files.delete(log.resolve("entries")); // a replaced disk, a deleted directory
        assertTrue(check(log, true).start(true).orElseThrow().contains("is empty"));
    }

    @Test
    public void anUnsyncedLogAfterAMachineRestartIsALossUnlessTheNodeStoppedInOrder() throws Exception {
        Path log = Files.createDirectories(dir.getRoot().toPath().resolve("log"));
        Files.writeString(log.resolve("entries"), "x");
        LogLossCheck c = check(log, false);
        c.start(false);
        assertEquals("a kill -9 in the same boot: the page cache kept it", Optional.empty(),
                check(log, false).start(false));
        boot.set("boot-2");
        assertTrue(check(log, false).start(false).orElseThrow().contains("without fsync"));

        check(log, false).stopped(); // an orderly stop forces the files
        boot.set("boot-3");
        assertEquals(Optional.empty(), check(log, false).start(false));
    }

    @Test
    public void aSyncedLogSurvivesAMachineRestart() throws Exception {
        Path log = Files.createDirectories(dir.getRoot().toPath().resolve("log"));
        Files.writeString(log.resolve("entries"), "x");
        check(log, true).start(false);
        boot.set("boot-2");
        assertEquals(Optional.empty(), check(log, true).start(false));
    }

    @Test
    public void withoutABootIdEveryUncleanUnsyncedRestartCounts() throws Exception {
        Path log = Files.createDirectories(dir.getRoot().toPath().resolve("log"));
        Files.writeString(log.resolve("entries"), "x");
        boot.set(null);
        check(log, false).start(false);
        assertTrue(check(log, false).start(false).isPresent());
    }
}
