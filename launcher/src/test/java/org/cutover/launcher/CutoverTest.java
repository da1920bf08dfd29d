package org.cutover.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The launcher's commands refuse wrong calls before they touch a node. */
public class CutoverTest {

    /** under target/, removed after each test (a temporary folder of the system's stayed behind, five per build) */
    @Rule
    public final TemporaryFolder folder = new TemporaryFolder(new java.io.File("target").getAbsoluteFile());
    private Path run;
    private Cutover cutover;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @Before
    public void setUp() throws IOException {
        run = folder.newFolder("cutover-run").toPath();
        Duration s = Duration.ofSeconds(1);
        cutover = new Cutover(new LocalCluster(run, run.resolve("none.tar.gz"), new LocalCluster.Timeouts(s, s, s)),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @Test
    public void wrongCallsAreUsageErrors() {
        for (List<String> call : List.<List<String>>of(List.of(), List.of("bogus"), List.of("start", "0"), List.of("start", "x"),
                List.of("start", "1", "2"), List.of("shell", "node1"), List.of("kill"), List.of("restart"),
                List.of("restart", "node1", "--infra", "two"), List.of("restart", "node1", "--fast"),
                List.of("upgrade"), List.of("upgrade", "--on"), List.of("upgrade", "cutover-infra/2.0.0;", "x"),
                List.of("shell", "cluster1", "cluster:node-list"))) {
            assertThrows(String.valueOf(call), UsageException.class, () -> cutover.run(call));
        }
    }

    @Test
    public void aKarFileGoesToTheNodeByItsAbsolutePath() throws IOException {
        Path kar = Files.createFile(run.resolve("infra-3.kar"));
        List<String> options = new java.util.ArrayList<>(List.of("--dry-run", "--kar",
                Path.of("").toAbsolutePath().relativize(kar).toString(), "cutover-infra/3.0.0"));
        Cutover.karPathsAbsolute(options);
        assertEquals(List.of("--dry-run", "--kar", kar.toString(), "cutover-infra/3.0.0"), options);
        List<String> url = new java.util.ArrayList<>(List.of("-k", "mvn:org.cutover/cutover-infra-3/1.0.0/kar"));
        Cutover.karPathsAbsolute(url);
        assertEquals("a URL goes as it is", "mvn:org.cutover/cutover-infra-3/1.0.0/kar", url.get(1));
        UsageException missing = assertThrows(UsageException.class, () -> cutover.run(List.of("upgrade", "--kar",
                run.resolve("missing.kar").toString(), "cutover-infra/3.0.0")));
        assertTrue(missing.getMessage(), missing.getMessage().contains("--kar: no file"));
    }

    @Test
    public void aNodeThatIsNotThereIsNamed() {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> cutover.run(List.of("shell", "2", "cluster:node-list")));
        assertTrue(e.getMessage(), e.getMessage().contains("no node node2 in " + run.toAbsolutePath()));
    }

    @Test
    public void statusWithoutNodesSaysHowToStart() throws IOException {
        assertEquals(0, cutover.run(List.of("status")));
        assertEquals("no nodes (./cutover start)\n", printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    public void nodeNamesAreNodeAndANumber() {
        assertEquals("node2", LocalCluster.nodeName("2"));
        assertEquals("node12", LocalCluster.nodeName("node12"));
        assertThrows(UsageException.class, () -> LocalCluster.nodeName("node0"));
        assertThrows(UsageException.class, () -> LocalCluster.nodeName("../etc"));
    }
}
