package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * Issue 13's revert as the kernel carries it: an adjust up is marked revertable in the event every member's node
 * gets (not with NO_REVERT); the system's revert is one ordered downgrade back, only from the epoch it names and
 * only down, that holds the group and names itself and why in the history. The health bundle's RevertWatch
 * decides when to ask (RevertWatchTest).
 */
public class RevertTest {

    @Test
    public void aRevertTakesTheGroupBackFromTheEpochItNamesHoldsItAndSaysWhy() throws Exception {
        try (TestCluster cluster = new TestCluster("revert", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            for (TestNode n : nodes) {
                n.node.join("g", new RecordingListener());
            }
            Await.until("three members", TestCluster.WAIT,
                    () -> nodes.get(0).node.group("g").orElseThrow().members().size() == 3,
                    () -> nodes.get(0).node.group("g"));
            assertTrue(nodes.get(0).versions.adjust(VersionRequest.of(1, "g").withDowngrade()).complete());
            cluster.events.clear();

            AdjustResult up = nodes.get(1).versions.adjust(VersionRequest.of(2, "g"));
            assertTrue(up.check().failures().toString(), up.complete());
            assertEquals(3L, (long) up.newEpochs().get("g"));
            Await.until("the adjust event on every member's node", TestCluster.WAIT,
                    () -> adjustEvents(cluster, 3).size() == 3, () -> cluster.events);
            assertTrue(adjustEvents(cluster, 3).toString(), adjustEvents(cluster, 3).stream()
                    .allMatch(e -> e.contains(VersionService.EVENT_REVERTABLE + "=true")));

            AdjustResult stale = nodes.get(2).versions.revert("g", 2, 1, "check 'x' CRITICAL on node3");
            assertFalse(stale.applied());
            assertEquals(List.of(ReasonCode.CONCURRENT_ADJUST), stale.check().failures().stream()
                    .map(f -> f.code()).toList());

            String why = "check 'g answers' CRITICAL: 3 of 3 reads failed on node3";
            AdjustResult revert = nodes.get(2).versions.revert("g", 3, 1, why);
            assertTrue(revert.check().failures().toString(), revert.complete());
            for (TestNode n : nodes) {
                Await.until(n.name + " at level 1, epoch 4, held", TestCluster.WAIT, () -> n.node.group("g")
                        .map(g -> g.level() == 1 && g.epoch() == 4 && g.held()).orElse(false),
                        () -> n.node.group("g"));
                List<AdjustRecord> history = n.node.read(s -> s.history(Optional.of("g")));
                AdjustRecord last = history.get(history.size() - 1);
                assertEquals("revert@node3 (" + why + ") 2->1", last.requestedBy() + " " + last.fromLevel() + "->"
                        + last.toLevel());
            }
            // a revert goes only down: one that would raise the group is refused where it is applied
            AdjustResult upwards = nodes.get(0).versions.revert("g", 4, 2, "check 'x' CRITICAL on node1");
            assertFalse(upwards.applied());
            assertTrue(upwards.check().failures().toString(), upwards.check().failures().get(0).message()
                    .contains("a revert only goes down"));
            assertEquals(1, nodes.get(1).node.group("g").orElseThrow().level());

            cluster.events.clear();
            AdjustResult noRevert = nodes.get(0).versions.adjust(VersionRequest.of(2, "g"),
                    Set.of(AdjustOption.NO_REVERT));
            assertTrue(noRevert.check().failures().toString(), noRevert.complete());
            Await.until("the adjust event on every member's node", TestCluster.WAIT,
                    () -> adjustEvents(cluster, 5).size() == 3, () -> cluster.events);
            assertTrue(adjustEvents(cluster, 5).toString(), adjustEvents(cluster, 5).stream()
                    .allMatch(e -> e.contains(VersionService.EVENT_REVERTABLE + "=false")));
        }
    }

    /**
     * The adjust events of the adjust to {@code epoch}. An event is posted after the node's confirmation, so one of
     * the adjust before may still arrive after the test cleared the list (CI: node3's event of epoch 2).
     */
    private static List<String> adjustEvents(TestCluster cluster, long epoch) {
        java.util.regex.Pattern ofEpoch = java.util.regex.Pattern.compile("\\bepoch=" + epoch + "[,}]");
        return cluster.events.stream().filter(e -> e.startsWith(VersionService.TOPIC_VERSION_ADJUSTED))
                .filter(e -> ofEpoch.matcher(e).find()).toList();
    }
}
