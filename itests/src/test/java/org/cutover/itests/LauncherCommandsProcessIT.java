package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.cutover.launcher.ClusterTables;
import org.cutover.launcher.ClusterTables.NodeRow;
import org.cutover.launcher.KarafNode;
import org.junit.After;
import org.junit.Test;

/**
 * The operator's {@code ./cutover} on real Karaf processes, as typed: exit statuses are the outcome (0, the
 * Karaf command's own, 1 on failure), {@code clean} leaves no process and no folder behind, and no process on the
 * machine shows the admin's password on its command line meanwhile (what {@code ps} shows anyone).
 */
public class LauncherCommandsProcessIT {

    private final Path run = CutoverKarafOptions.itestDir().toPath().resolve("launcher-run").toAbsolutePath();
    private final CutoverScript script = new CutoverScript(run);

    @Test
    public void startShellUpgradeKillRestartAndCleanGoThroughTheLauncher() throws Exception {
        KarafNode.deleteTree(run);
        try (CommandLineWatch watch = new CommandLineWatch()) {
            String password = launchAndClean();
            assertTrue("the watch saw a process of 200 ms (" + watch.summary() + ")",
                    watch.sawProcessWith("cutover-watch-" + System.nanoTime(), 200));
            assertEquals("command lines with the admin's password (" + watch.summary() + ")", List.of(),
                    watch.linesContaining(password));
        }
    }

    /** the launcher's commands, as typed; returns the admin's password the nodes had */
    private String launchAndClean() throws Exception {
        CutoverScript.Result start = script.run("start", "2");
        assertEquals(start.output(), 0, start.status());
        assertTrue(start.output(), start.output().contains("all 2 nodes ACTIVE in one view"));

        CutoverScript.Result list = script.run("shell", "1", "cluster:node-list --no-format");
        assertEquals(list.output(), 0, list.status());
        assertEquals(list.output(), Map.of("node1", "ACTIVE 1", "node2", "ACTIVE 1"), rows(list.output()));

        CutoverScript.Result unknown = script.run("shell", "node2", "no-such:command");
        assertNotEquals("an unknown command fails: " + unknown.output(), 0, unknown.status());
        CutoverScript.Result refused = script.run("shell", "1", "cluster:version-check --to 2 --all");
        assertEquals("the check's failure is the exit status: " + refused.output(), 1, refused.status());
        assertTrue(refused.output(), refused.output().contains("NODE_INCAPABLE"));

        CutoverScript.Result dryRun = script.run("upgrade", "--dry-run", "cutover-infra/2.0.0");
        assertEquals(dryRun.output(), 0, dryRun.status());
        assertTrue(dryRun.output(), dryRun.output().contains("node2"));

        CutoverScript.Result kill = script.run("kill", "2");
        assertEquals(kill.output(), 0, kill.status());
        KarafNode node2 = KarafNode.open(run.resolve("node2")).orElseThrow();
        assertFalse("node2's JVM is gone", node2.isAlive());
        CutoverScript.Result status = script.run("status");
        assertEquals(status.output(), 0, status.status());
        assertTrue(status.output(), status.output().lines().anyMatch(l -> l.matches("node2\\s+stopped.*")));

        CutoverScript.Result restart = script.run("restart", "2", "--infra", "2.0.0");
        assertEquals(restart.output(), 0, restart.status());
        CutoverScript.Result after = script.run("shell", "2", "cluster:node-list --no-format");
        assertEquals(after.output(), Map.of("node1", "ACTIVE 1", "node2", "ACTIVE 1, 2"), rows(after.output()));

        String password = node2.adminPassword();
        CutoverScript.Result clean = script.run("clean");
        assertEquals(clean.output(), 0, clean.status());
        assertFalse("clean removed " + run, Files.exists(run));
        assertEquals("no node JVM left", List.of(), script.karafProcesses());
        return password;
    }

    @After
    public void removeWhatWasStarted() throws IOException {
        for (String name : List.of("node1", "node2")) {
            KarafNode.open(run.resolve(name)).ifPresent(KarafNode::close);
        }
        KarafNode.deleteTree(run);
    }

    private static Map<String, String> rows(String noFormat) {
        return ClusterTables.nodes(noFormat).stream()
                .collect(Collectors.toMap(NodeRow::name, r -> r.status() + " " + r.levels()));
    }
}
