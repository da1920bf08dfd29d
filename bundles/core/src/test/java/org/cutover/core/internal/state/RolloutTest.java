package org.cutover.core.internal.state;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.cutover.api.ReasonCode;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.Phase;
import org.cutover.api.version.UpgradeStatus.State;
import org.cutover.core.internal.wire.Envelope.Asker;
import org.cutover.core.internal.wire.Envelope.Kar;
import org.cutover.core.internal.wire.Envelope.RemoveNode;
import org.cutover.core.internal.wire.Envelope.SetAcl;
import org.cutover.core.internal.wire.Envelope.UpgradeAbort;
import org.cutover.core.internal.wire.Envelope.UpgradeProgress;
import org.cutover.core.internal.wire.Envelope.UpgradeStart;
import org.cutover.core.internal.wire.Envelope.ViewChanged;
import org.junit.Test;

/** The replicated rules of a cluster-wide upgrade, without a network: whose turn, when it ends, who may. */
public class RolloutTest {

    private static final Asker ADA = new Asker("ada", List.of("admin"));
    private static final Asker VERA = new Asker("vera", List.of("viewer"));

    private static UpgradeStart start(String id, int parallel, boolean dryRun) {
        return new UpgradeStart(id, "cutover-infra/2.0.0", parallel, dryRun, false, "n1", 1_000L, ADA);
    }

    private static ClusterState.Result report(ClusterState s, String id, String node, Phase phase) {
        return s.upgradeProgress(new UpgradeProgress(id, node, phase.name(), phase + " here", 2_000L));
    }

    private static Map<String, Phase> phases(ClusterState s) {
        return s.upgrade().orElseThrow().nodes().stream().collect(Collectors.toMap(UpgradeStatus.NodeProgress::node,
                UpgradeStatus.NodeProgress::phase, (a, b) -> a, java.util.TreeMap::new));
    }

    @Test
    public void oneNodeAtATimeInNameOrderEachAfterTheOneBeforeIsCapable() {
        ClusterState s = ClusterStateTest.threeNodes();
        assertTrue(s.upgradeStart(start("u1", 1, false)).accepted());
        assertEquals(Map.of("n1", Phase.WAITING, "n2", Phase.WAITING, "n3", Phase.WAITING), phases(s));
        assertTrue(s.upgradeTurnOf("n1"));
        assertFalse(s.upgradeTurnOf("n2"));
        assertEquals("n2 may not jump the queue", ReasonCode.UPGRADE_IN_PROGRESS,
                report(s, "u1", "n2", Phase.INSTALLING).refused());
        assertEquals("a report without installing", ReasonCode.UPGRADE_IN_PROGRESS,
                report(s, "u1", "n1", Phase.CAPABLE).refused());
        assertTrue(report(s, "u1", "n1", Phase.INSTALLING).accepted());
        assertFalse("n1 installs now", s.upgradeTurnOf("n1"));
        assertFalse(s.upgradeTurnOf("n2"));
        assertTrue(report(s, "u1", "n1", Phase.CAPABLE).accepted());
        assertTrue(s.upgradeTurnOf("n2"));
        assertFalse(s.upgradeTurnOf("n3"));
        assertTrue(report(s, "u1", "n2", Phase.INSTALLING).accepted());
        assertTrue(report(s, "u1", "n2", Phase.CAPABLE).accepted());
        assertTrue(report(s, "u1", "n3", Phase.INSTALLING).accepted());
        assertEquals(State.RUNNING, s.upgrade().orElseThrow().state());
        assertTrue(report(s, "u1", "n3", Phase.CAPABLE).accepted());
        assertEquals(State.DONE, s.upgrade().orElseThrow().state());
        assertEquals("ada@n1", s.upgrade().orElseThrow().startedBy());
        List<String> outcomes = s.history(java.util.Optional.empty()).stream().map(r -> r.outcome()).toList();
        assertTrue(outcomes.toString(), outcomes.contains("UPGRADE_STARTED: cutover-infra/2.0.0 on [n1, n2, n3]"));
        assertTrue(outcomes.toString(), outcomes.contains("UPGRADE_DONE: cutover-infra/2.0.0"));
        assertTrue("the next upgrade may start", s.upgradeStart(start("u2", 1, false)).accepted());
    }

    @Test
    public void twoAtOnceWithParallelTwo() {
        ClusterState s = ClusterStateTest.threeNodes();
        assertTrue(s.upgradeStart(start("u1", 2, false)).accepted());
        assertTrue(s.upgradeTurnOf("n1"));
        assertTrue(s.upgradeTurnOf("n2"));
        assertFalse(s.upgradeTurnOf("n3"));
        assertTrue(report(s, "u1", "n1", Phase.INSTALLING).accepted());
        assertTrue(report(s, "u1", "n2", Phase.INSTALLING).accepted());
        assertFalse("two install already", s.upgradeTurnOf("n3"));
        assertTrue(report(s, "u1", "n2", Phase.CAPABLE).accepted());
        assertTrue("one installs: n3 may join it", s.upgradeTurnOf("n3"));
        assertTrue(report(s, "u1", "n3", Phase.INSTALLING).accepted());
        assertTrue(report(s, "u1", "n3", Phase.CAPABLE).accepted());
        assertEquals(State.RUNNING, s.upgrade().orElseThrow().state());
        assertTrue(report(s, "u1", "n1", Phase.CAPABLE).accepted());
        assertEquals(State.DONE, s.upgrade().orElseThrow().state());
    }

    @Test
    public void aFailureStopsTheRolloutWhereItIsAndTheHistorySaysWhy() {
        ClusterState s = ClusterStateTest.threeNodes();
        s.upgradeStart(start("u1", 1, false));
        report(s, "u1", "n1", Phase.INSTALLING);
        report(s, "u1", "n1", Phase.CAPABLE);
        report(s, "u1", "n2", Phase.INSTALLING);
        assertTrue(s.upgradeProgress(new UpgradeProgress("u1", "n2", "FAILED", "no feature cutover-infra/2.0.0 in"
                + " system/", 3_000L)).accepted());
        assertEquals(State.FAILED, s.upgrade().orElseThrow().state());
        assertEquals(Map.of("n1", Phase.CAPABLE, "n2", Phase.FAILED, "n3", Phase.WAITING), phases(s));
        assertFalse(s.upgradeTurnOf("n3"));
        assertTrue(s.history(java.util.Optional.empty()).stream().anyMatch(r -> r.outcome().equals(
                "UPGRADE_FAILED: cutover-infra/2.0.0 on n2: no feature cutover-infra/2.0.0 in system/")));
    }

    @Test
    public void anAbortStopsNewInstallsAndTheNodeInstallingStillSaysHowItEnded() {
        ClusterState s = ClusterStateTest.threeNodes();
        s.upgradeStart(start("u1", 1, false));
        report(s, "u1", "n1", Phase.INSTALLING);
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.upgradeAbort(new UpgradeAbort("u1", "n3", 2_500L, VERA)).refused());
        assertEquals(ReasonCode.UPGRADE_IN_PROGRESS, s.upgradeAbort(new UpgradeAbort("other", "n3", 2_500L, ADA))
                .refused());
        assertTrue(s.upgradeAbort(new UpgradeAbort("u1", "n3", 2_500L, ADA)).accepted());
        assertEquals(State.ABORTED, s.upgrade().orElseThrow().state());
        assertEquals("ada@n3", s.upgrade().orElseThrow().endedBy());
        assertTrue(report(s, "u1", "n1", Phase.CAPABLE).accepted());
        assertEquals(State.ABORTED, s.upgrade().orElseThrow().state());
        assertFalse(s.upgradeTurnOf("n2"));
        assertEquals(ReasonCode.UPGRADE_IN_PROGRESS, report(s, "u1", "n2", Phase.INSTALLING).refused());
        assertEquals(ReasonCode.UPGRADE_IN_PROGRESS, s.upgradeAbort(new UpgradeAbort("u1", "n3", 2_600L, ADA))
                .refused());
    }

    @Test
    public void oneUpgradeAtATimeAnAdminsOnlyAndAFeatureIsNameSlashVersion() {
        ClusterState s = ClusterStateTest.threeNodes();
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.upgradeStart(new UpgradeStart("u0", "cutover-infra/2.0.0", 1,
                false, false, "n1", 1L, VERA)).refused());
        for (String bad : List.of("cutover-infra", "cutover-infra/", "/2.0.0", "a/b/c", "a b/1")) {
            assertEquals(bad, ReasonCode.UNKNOWN_FEATURE, s.upgradeStart(new UpgradeStart("u0", bad, 1, false, false,
                    "n1", 1L, ADA)).refused());
        }
        assertEquals(ReasonCode.INVALID_LEVEL, s.upgradeStart(start("u0", 0, false)).refused());
        assertTrue(s.upgrade().isEmpty());
        assertTrue(s.upgradeStart(start("u1", 1, false)).accepted());
        assertEquals(ReasonCode.UPGRADE_IN_PROGRESS, s.upgradeStart(start("u2", 1, false)).refused());
        // the cluster's ACL rules it like any operation
        assertTrue(s.setAcl(new SetAcl("upgrade", List.of("admin", "operator"), "n1", 5L, ADA)).accepted());
        assertTrue(s.upgradeAbort(new UpgradeAbort("u1", "n2", 6L, new Asker("otto", List.of("operator"))))
                .accepted());
    }

    @Test
    public void aDryRunSimulatesOnEveryNodeAtOnce() {
        ClusterState s = ClusterStateTest.threeNodes();
        assertTrue(s.upgradeStart(start("d1", 1, true)).accepted());
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(n, s.upgradeTurnOf(n));
        }
        for (String n : List.of("n3", "n1", "n2")) {
            assertTrue(report(s, "d1", n, Phase.INSTALLING).accepted());
        }
        assertEquals("a dry run installs nothing", ReasonCode.UPGRADE_IN_PROGRESS,
                report(s, "d1", "n1", Phase.CAPABLE).refused());
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(report(s, "d1", n, Phase.SIMULATED).accepted());
        }
        assertEquals(State.DONE, s.upgrade().orElseThrow().state());
        assertTrue(s.upgrade().orElseThrow().dryRun());
        assertTrue(s.history(java.util.Optional.empty()).stream().anyMatch(r -> r.outcome().equals(
                "UPGRADE_DRY_RUN_DONE: cutover-infra/2.0.0")));
    }

    @Test
    public void aDryRunWaitsForEveryNodesAnswerSoItNamesEveryNodeThatCannot() {
        ClusterState s = ClusterStateTest.threeNodes();
        s.upgradeStart(start("d1", 1, true));
        report(s, "d1", "n3", Phase.INSTALLING);
        report(s, "d1", "n3", Phase.FAILED);
        assertEquals("n1 and n2 have not answered", State.RUNNING, s.upgrade().orElseThrow().state());
        assertTrue(s.upgradeTurnOf("n1"));
        report(s, "d1", "n1", Phase.INSTALLING);
        report(s, "d1", "n2", Phase.INSTALLING);
        report(s, "d1", "n1", Phase.SIMULATED);
        assertTrue(report(s, "d1", "n2", Phase.FAILED).accepted());
        assertEquals(State.FAILED, s.upgrade().orElseThrow().state());
        assertEquals(Map.of("n1", Phase.SIMULATED, "n2", Phase.FAILED, "n3", Phase.FAILED), phases(s));
    }

    @Test
    public void aRetirementRollsOutTheSameWayAndTheHistoryCallsItSo() {
        ClusterState s = ClusterStateTest.threeNodes();
        assertTrue(s.upgradeStart(new UpgradeStart("r1", "cutover-infra/1.0.0", 1, false, true, "n2", 1L, ADA))
                .accepted());
        assertTrue(s.upgrade().orElseThrow().retire());
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(report(s, "r1", n, Phase.INSTALLING).accepted());
            assertTrue(report(s, "r1", n, Phase.CAPABLE).accepted());
        }
        List<String> outcomes = s.history(java.util.Optional.empty()).stream().map(r -> r.outcome()).toList();
        assertTrue(outcomes.toString(), outcomes.containsAll(List.of(
                "RETIRE_STARTED: cutover-infra/1.0.0 on [n1, n2, n3]", "RETIRE_DONE: cutover-infra/1.0.0")));
    }

    @Test
    public void aRemovedNodeHoldsNothingUp() {
        ClusterState s = ClusterStateTest.threeNodes();
        s.upgradeStart(start("u1", 1, false));
        report(s, "u1", "n1", Phase.INSTALLING);
        report(s, "u1", "n1", Phase.CAPABLE);
        report(s, "u1", "n2", Phase.INSTALLING);
        report(s, "u1", "n2", Phase.CAPABLE);
        // n3 crashed before its turn and an operator removes it
        assertTrue(s.viewChanged(new ViewChanged(1, 2, List.of("u-n1", "u-n2"))).accepted());
        assertTrue(s.removeNode(new RemoveNode("n3", "n1", ADA)).accepted());
        assertEquals(State.DONE, s.upgrade().orElseThrow().state());
    }

    @Test
    public void theUpgradeIsPartOfTheSnapshot() throws Exception {
        ClusterState s = ClusterStateTest.threeNodes();
        s.upgradeStart(start("u1", 2, false));
        report(s, "u1", "n1", Phase.INSTALLING);
        report(s, "u1", "n1", Phase.CAPABLE);
        report(s, "u1", "n2", Phase.INSTALLING);
        byte[] bytes = ClusterStateTest.snapshot(s);
        ClusterState copy = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertEquals(s.upgrade(), copy.upgrade());
        assertArrayEquals(bytes, ClusterStateTest.snapshot(copy));
        assertTrue(copy.upgradeTurnOf("n3"));
    }

    private static void runThrough(ClusterState s, String id) {
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(report(s, id, n, Phase.INSTALLING).accepted());
            assertTrue(report(s, id, n, Phase.CAPABLE).accepted());
        }
    }

    private static UpgradeStart withKar(String id, String feature, Kar kar) {
        return new UpgradeStart(id, feature, 1, false, false, "n1", 1_000L, ADA, kar);
    }

    @Test
    public void aKarTravelsWithItsUpgradeStaysWithItsFeatureAndGoesWithItsRetirement() throws Exception {
        byte[] bytes = "a KAR's bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Kar kar = new Kar("cutover-infra-3.kar", Kar.sha256Of(bytes), bytes);
        ClusterState s = ClusterStateTest.threeNodes();
        assertTrue(s.upgradeStart(withKar("u1", "cutover-infra/3.0.0", kar)).accepted());
        assertEquals("while it runs, nodes take the feature from the KAR", java.util.Optional.of(kar),
                s.karFor("cutover-infra/3.0.0"));
        assertEquals(java.util.Optional.empty(), s.karFor("cutover-infra/2.0.0"));
        runThrough(s, "u1");
        // a later upgrade from system/ leaves the KAR with the feature it brought: a node healed later takes it
        assertTrue(s.upgradeStart(start("u2", 1, false)).accepted());
        runThrough(s, "u2");
        assertEquals(java.util.Optional.of(kar), s.karFor("cutover-infra/3.0.0"));
        byte[] snapshot = ClusterStateTest.snapshot(s);
        ClusterState copy = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot)));
        assertArrayEquals(bytes, copy.karFor("cutover-infra/3.0.0").orElseThrow().bytes());
        assertArrayEquals(snapshot, ClusterStateTest.snapshot(copy));

        assertTrue(s.upgradeStart(new UpgradeStart("u3", "cutover-infra/3.0.0", 1, false, true, "n1", 1_000L, ADA))
                .accepted());
        runThrough(s, "u3");
        assertEquals("retired with its feature", java.util.Optional.empty(), s.karFor("cutover-infra/3.0.0"));
        assertEquals(java.util.Set.of("cutover-infra/2.0.0"), s.clusterFeatures());
    }

    @Test
    public void aKarWhoseBytesDoNotMatchItsChecksumOrThatIsTooLargeIsRefusedEverywhereAlike() {
        byte[] bytes = {1, 2, 3};
        ClusterState s = ClusterStateTest.threeNodes();
        ClusterState.Result damaged = s.upgradeStart(withKar("u1", "cutover-infra/3.0.0",
                new Kar("x.kar", Kar.sha256Of(new byte[] {1, 2, 4}), bytes)));
        assertEquals(ReasonCode.UNKNOWN_FEATURE, damaged.refused());
        assertTrue(damaged.why(), damaged.why().contains("do not match the SHA-256"));
        byte[] large = new byte[ClusterState.MAX_KAR_BYTES + 1];
        assertEquals(ReasonCode.UNKNOWN_FEATURE, s.upgradeStart(withKar("u1", "cutover-infra/3.0.0",
                new Kar("big.kar", Kar.sha256Of(large), large))).refused());
        assertEquals("a retirement takes no KAR", ReasonCode.UNKNOWN_FEATURE, s.upgradeStart(new UpgradeStart("u1",
                "cutover-infra/1.0.0", 1, false, true, "n1", 1_000L, ADA, new Kar("x.kar", Kar.sha256Of(bytes),
                bytes))).refused());
        assertTrue("nothing started", s.upgrade().isEmpty());
    }

    @Test
    public void aSnapshotWrittenBeforeKarsReadsWithNone() throws Exception {
        ClusterState s = ClusterStateTest.threeNodes();
        s.upgradeStart(start("u1", 1, false));
        runThrough(s, "u1");
        byte[] snapshot = ClusterStateTest.snapshot(s);
        // the old format ended after the cluster's features: no KAR flag, no KAR count (nor revocations after them)
        byte[] old = java.util.Arrays.copyOf(snapshot, snapshot.length - 1 - 2 * Integer.BYTES);
        ClusterState copy = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(old)));
        assertEquals(java.util.Set.of("cutover-infra/2.0.0"), copy.clusterFeatures());
        assertEquals(java.util.Optional.empty(), copy.karFor("cutover-infra/2.0.0"));
        assertArrayEquals(snapshot, ClusterStateTest.snapshot(copy));
    }

    @Test
    public void aDryRunNamesNodesThatAreStoppedOrCutOffInsteadOfWaitingForThem() {
        ClusterState s = ClusterStateTest.threeNodes();
        s.goodbye(new org.cutover.core.internal.wire.Envelope.Goodbye("n3"));
        assertTrue(s.upgradeStart(start("u1", 1, true)).accepted());
        assertEquals(Phase.FAILED, phases(s).get("n3"));
        assertTrue(s.upgrade().orElseThrow().nodes().get(2).detail(), s.upgrade().orElseThrow().nodes().get(2)
                .detail().startsWith("NODE_INACTIVE: n3 is stopped, so it simulates nothing"));
        assertEquals("the others still simulate", State.RUNNING, s.upgrade().orElseThrow().state());
        assertTrue(report(s, "u1", "n1", Phase.INSTALLING).accepted());
        // n2 is cut off while n1 simulates
        assertTrue(s.viewChanged(new ViewChanged(1, 9, List.of("u-n1", "u-n3"))).accepted());
        assertEquals(Phase.FAILED, phases(s).get("n2"));
        assertTrue(report(s, "u1", "n1", Phase.SIMULATED).accepted());
        UpgradeStatus done = s.upgrade().orElseThrow();
        assertEquals("every node answered or was named: the report ends", State.FAILED, done.state());
        assertTrue(done.nodes().get(1).detail(), done.nodes().get(1).detail().startsWith("GROUP_PARTITIONED: n2"));
        List<String> outcomes = s.history(java.util.Optional.empty()).stream().map(r -> r.outcome()).toList();
        assertTrue(outcomes.toString(), outcomes.get(outcomes.size() - 1).startsWith(
                "UPGRADE_DRY_RUN_FAILED: cutover-infra/2.0.0 on n2: GROUP_PARTITIONED"));

        // an upgrade (not a dry run) waits for the stopped node instead
        ClusterState real = ClusterStateTest.threeNodes();
        real.goodbye(new org.cutover.core.internal.wire.Envelope.Goodbye("n3"));
        assertTrue(real.upgradeStart(start("u2", 1, false)).accepted());
        assertEquals(Phase.WAITING, phases(real).get("n3"));
    }
}
