package org.cutover.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.NodeProgress;
import org.cutover.api.version.UpgradeStatus.Phase;
import org.cutover.api.version.UpgradeStatus.State;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** cluster:upgrade and cluster:upgrade-status over an upgrade service that plays back a rollout. */
public class UpgradeCommandsTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private PrintStream console;

    /** plays back one status per status() call, then stays at the last */
    private static final class PlayBack implements UpgradeService {
        final List<UpgradeStatus> script = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        int next;

        @Override
        public UpgradeStatus start(String feature, int parallel, boolean dryRun) {
            calls.add("start " + feature + " " + parallel + " " + dryRun);
            return script.get(0);
        }

        @Override
        public UpgradeStatus start(String feature, int parallel, boolean dryRun, String karName, byte[] kar,
                                   byte[] signature) {
            calls.add("start " + feature + " " + parallel + " " + dryRun + " from " + karName + " of " + kar.length
                    + " bytes signed with " + signature.length);
            return script.get(0);
        }

        @Override
        public UpgradeStatus retire(String feature, int parallel, boolean dryRun) {
            calls.add("retire " + feature + " " + parallel + " " + dryRun);
            return script.get(0);
        }

        @Override
        public Optional<UpgradeStatus> status() {
            if (script.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(script.get(Math.min(next++, script.size() - 1)));
        }

        @Override
        public UpgradeStatus abort() {
            calls.add("abort");
            return script.get(script.size() - 1);
        }
    }

    private static UpgradeStatus status(State state, Phase n1, Phase n2, String n2Detail) {
        Instant at = Instant.parse("2026-12-01T22:00:00Z");
        return new UpgradeStatus("u1", "cutover-infra/2.0.0", false, false, 1, "karaf@n1", at, state, List.of(
                new NodeProgress("n1", n1, n1 == Phase.CAPABLE ? "installed cutover-infra/2.0.0" : "", at),
                new NodeProgress("n2", n2, n2Detail, at)), state == State.ABORTED ? "karaf@n2" : "");
    }

    @Before
    public void capturePrinting() {
        console = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @After
    public void restorePrinting() {
        System.setOut(console);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private static UpgradeCommand command(PlayBack service, String feature) {
        UpgradeCommand c = new UpgradeCommand();
        c.upgrades = service;
        c.feature = feature;
        return c;
    }

    @Test
    public void theLiveReportPrintsALineForEachNodesChangeAndSucceedsWhenDone() throws Exception {
        PlayBack service = new PlayBack();
        service.script.add(status(State.RUNNING, Phase.WAITING, Phase.WAITING, ""));
        service.script.add(status(State.RUNNING, Phase.INSTALLING, Phase.WAITING, ""));
        service.script.add(status(State.RUNNING, Phase.CAPABLE, Phase.WAITING, ""));
        service.script.add(status(State.RUNNING, Phase.CAPABLE, Phase.INSTALLING, "installing"));
        service.script.add(status(State.DONE, Phase.CAPABLE, Phase.CAPABLE, "installed cutover-infra/2.0.0"));
        UpgradeCommand c = command(service, "cutover-infra/2.0.0");
        c.parallel = 1;
        c.execute();
        assertEquals(List.of("start cutover-infra/2.0.0 1 false"), service.calls);
        List<String> lines = printed().lines().toList();
        assertEquals(printed(), List.of(
                "upgrade to cutover-infra/2.0.0, asked by karaf@n1 at 2026-12-01T22:00:00Z, one node at a time: RUNNING",
                "n1           [..........] WAITING    ",
                "n2           [..........] WAITING    ",
                "n1           [#####.....] INSTALLING ",
                "n1           [##########] CAPABLE    installed cutover-infra/2.0.0",
                "n2           [#####.....] INSTALLING installing",
                "n2           [##########] CAPABLE    installed cutover-infra/2.0.0",
                "DONE: upgrade to cutover-infra/2.0.0, asked by karaf@n1 at 2026-12-01T22:00:00Z, one node at a"
                        + " time: DONE"), lines);
    }

    @Test
    public void aKarIsReadOnThisNodeAndItsBytesGoToTheService() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("cutover-infra-3-", ".kar");
        try {
            java.nio.file.Files.write(file, new byte[1234]);
            UpgradeCommand unsigned = command(new PlayBack(), "cutover-infra/3.0.0");
            unsigned.kar = file.toString();
            assertEquals("--kar: no file " + file + ".sig on this node (the KAR's signature by the cluster CA:"
                    + " bin/cutover-certs sign CA_DIR KAR)", assertThrows(CommandException.class, unsigned::execute)
                    .getMessage());
            java.nio.file.Files.write(java.nio.file.Path.of(file + ".sig"), new byte[64]);
            PlayBack service = new PlayBack();
            service.script.add(status(State.DONE, Phase.CAPABLE, Phase.CAPABLE, "installed"));
            UpgradeCommand c = command(service, "cutover-infra/3.0.0");
            c.kar = file.toString();
            c.execute();
            UpgradeCommand byUrl = command(service, "cutover-infra/3.0.0");
            byUrl.kar = file.toUri().toString();
            byUrl.dryRun = true;
            byUrl.execute();
            String name = file.getFileName().toString();
            assertEquals(List.of("start cutover-infra/3.0.0 1 false from " + name + " of 1234 bytes signed with 64",
                    "start cutover-infra/3.0.0 1 true from " + name + " of 1234 bytes signed with 64"), service.calls);

            UpgradeCommand retire = command(service, "cutover-infra/3.0.0");
            retire.kar = file.toString();
            retire.retire = true;
            assertEquals("--retire uninstalls what the nodes have: it takes no --kar",
                    assertThrows(CommandException.class, retire::execute).getMessage());
        } finally {
            java.nio.file.Files.delete(file);
            java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(file + ".sig"));
        }
        UpgradeCommand missing = command(new PlayBack(), "cutover-infra/3.0.0");
        missing.kar = file.toString();
        assertEquals("--kar: no file " + file + " on this node",
                assertThrows(CommandException.class, missing::execute).getMessage());
    }

    @Test
    public void aFailedUpgradeFailsTheCommandWithWhereWhyAndHowToResume() {
        PlayBack service = new PlayBack();
        service.script.add(status(State.RUNNING, Phase.CAPABLE, Phase.INSTALLING, ""));
        service.script.add(status(State.FAILED, Phase.CAPABLE, Phase.FAILED, "no feature cutover-infra/2.0.0 in this"
                + " node's feature repositories"));
        CommandException failed = assertThrows(CommandException.class, command(service, "cutover-infra/2.0.0")::execute);
        assertEquals("the upgrade to cutover-infra/2.0.0 failed on n2: no feature cutover-infra/2.0.0 in this node's"
                + " feature repositories. n1 installed it beside what it runs; the groups keep their level. Resume:"
                + " fix n2, then run cluster:upgrade cutover-infra/2.0.0 again (nodes done report at once).",
                failed.getMessage());
        assertTrue(printed(), printed().contains("n2           [!!!!!!!!!!] FAILED     no feature"));
    }

    @Test
    public void abortNamesNoFeatureAndStatusShowsTheTableFromAnyNode() throws Exception {
        PlayBack service = new PlayBack();
        service.script.add(status(State.ABORTED, Phase.CAPABLE, Phase.WAITING, ""));
        UpgradeCommand withFeature = command(service, "cutover-infra/2.0.0");
        withFeature.abort = true;
        assertThrows(CommandException.class, withFeature::execute);
        UpgradeCommand abort = command(service, null);
        abort.abort = true;
        abort.execute();
        assertEquals(List.of("abort"), service.calls);
        assertTrue(printed(), printed().contains("RUNNING") || printed().contains("ABORTED by karaf@n2"));

        printed.reset();
        UpgradeStatusCommand status = new UpgradeStatusCommand();
        status.upgrades = service;
        status.noFormat = true;
        status.execute();
        assertTrue(printed(), printed().contains("was aborted by karaf@n2"));
        List<String> rows = ClusterTablesTest.print(UpgradeReports.table(service.status().orElseThrow()), false);
        assertTrue(rows.toString(), rows.get(0).matches("n1\\s*\\t\\[##########\\]\\s*\\tCAPABLE\\s*\\t.*"));
        assertTrue(rows.toString(), rows.get(1).matches("n2\\s*\\t\\[\\.{10}\\]\\s*\\tWAITING\\s*\\t.*"));
        assertThrows(CommandException.class, command(service, null)::execute);

        printed.reset();
        UpgradeStatusCommand none = new UpgradeStatusCommand();
        none.upgrades = new PlayBack();
        none.execute();
        assertEquals("no upgrade yet: cluster:upgrade FEATURE/VERSION starts one\n", printed());
        assertEquals("cluster", UpgradeCommand.class.getAnnotation(Command.class).scope());
    }
}
