package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.cutover.launcher.ClusterTables;
import org.cutover.launcher.ClusterTables.NodeRow;
import org.cutover.launcher.KarafNode;
import org.junit.After;
import org.junit.Test;

/**
 * The operator's {@code ./cutover} on real Karaf processes, as typed: exit statuses are the outcome (0, the
 * Karaf command's own, 1 on failure), and {@code clean} leaves no process and no folder behind.
 */
public class LauncherCommandsProcessIT {

    private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();
    private final Path run = CutoverKarafOptions.itestDir().toPath().resolve("launcher-run").toAbsolutePath();

    @Test
    public void startShellUpgradeKillRestartAndCleanGoThroughTheLauncher() throws Exception {
        KarafNode.deleteTree(run);
        Result start = cutover("start", "2");
        assertEquals(start.output, 0, start.status);
        assertTrue(start.output, start.output.contains("all 2 nodes ACTIVE in one view"));

        Result list = cutover("shell", "1", "cluster:node-list --no-format");
        assertEquals(list.output, 0, list.status);
        assertEquals(list.output, Map.of("node1", "ACTIVE 1", "node2", "ACTIVE 1"), rows(list.output));

        Result unknown = cutover("shell", "node2", "no-such:command");
        assertNotEquals("an unknown command fails: " + unknown.output, 0, unknown.status);
        Result refused = cutover("shell", "1", "cluster:version-check --to 2 --all");
        assertEquals("the check's failure is the exit status: " + refused.output, 1, refused.status);
        assertTrue(refused.output, refused.output.contains("NODE_INCAPABLE"));

        Result dryRun = cutover("upgrade", "--dry-run", "cutover-infra/2.0.0");
        assertEquals(dryRun.output, 0, dryRun.status);
        assertTrue(dryRun.output, dryRun.output.contains("node2"));

        Result kill = cutover("kill", "2");
        assertEquals(kill.output, 0, kill.status);
        KarafNode node2 = KarafNode.open(run.resolve("node2")).orElseThrow();
        assertFalse("node2's JVM is gone", node2.isAlive());
        Result status = cutover("status");
        assertEquals(status.output, 0, status.status);
        assertTrue(status.output, status.output.lines().anyMatch(l -> l.matches("node2\\s+stopped.*")));

        Result restart = cutover("restart", "2", "--infra", "2.0.0");
        assertEquals(restart.output, 0, restart.status);
        Result after = cutover("shell", "2", "cluster:node-list --no-format");
        assertEquals(after.output, Map.of("node1", "ACTIVE 1", "node2", "ACTIVE 1, 2"), rows(after.output));

        Result clean = cutover("clean");
        assertEquals(clean.output, 0, clean.status);
        assertFalse("clean removed " + run, Files.exists(run));
        assertEquals("no node JVM left", List.of(), karafProcesses());
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

    private List<Long> karafProcesses() {
        String base = "-Dkaraf.base=" + run;
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).stream().anyMatch(x -> x.startsWith(base)))
                        .orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toList());
    }

    private record Result(int status, String output) {
    }

    /** runs the project's ./cutover as an operator does, with this test's own run folder */
    private Result cutover(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", PROJECT.resolve("cutover").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CUTOVER_RUN", run.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("./cutover " + String.join(" ", args) + " did not end in 5 min");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
