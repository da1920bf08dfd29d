package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.cutover.api.GroupInfo;
import org.cutover.api.version.AdjustRecord;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.state.StateStore;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.cutover.core.internal.wire.Envelope.Hello;
import org.cutover.core.internal.wire.Envelope.Join;
import org.junit.Test;

/**
 * A node that still holds a state file of the pre-log format (today's
 * {@code data/cutover/cluster-state.bin}) starts on the log kernel: the levels,
 * epochs and adjust history of that file are in the replicated state, and they
 * are imported once, not again at the next start.
 */
public class LegacyImportTest {

    @Test
    public void levelsEpochsAndHistoryOfAnOldStateFileAreImportedOnce() throws Exception {
        try (TestCluster cluster = new TestCluster("legacy-import", 1)) {
            ClusterState old = new ClusterState();
            old.hello(new Hello("node1", "u1", "a1", new TreeSet<>(List.of(1, 2)), Map.of(), List.of(), true, 0));
            old.join(new Join("orders", "node1#1.1", "node1"));
            assertTrue(old.adjust(new Adjust("req-1", "node1", 1, List.of(new GroupVersion("orders", 2, 1)),
                    1_700_000_000_000L)).accepted());
            assertTrue(old.adjust(new Adjust("req-2", "node1", 2, List.of(new GroupVersion("orders", 1, 2)),
                    1_700_000_100_000L)).accepted());
            new StateStore(cluster.stateDir().resolve("node1.bin")).save(old);

            TestNode n = cluster.start(0, 1, 2);
            GroupInfo orders = n.node.group("orders").orElseThrow();
            assertEquals("level", 2, orders.level());
            assertEquals("epoch", 3, orders.epoch());
            org.cutover.core.internal.testing.Await.until("the imported history", TestCluster.WAIT,
                    () -> n.versions.history(Optional.of("orders")).size() == 2,
                    () -> n.versions.history(Optional.empty()));
            List<AdjustRecord> history = n.versions.history(Optional.of("orders"));
            assertEquals(List.of(1, 2), history.stream().map(AdjustRecord::toLevel).toList());
            assertEquals(List.of(2L, 3L), history.stream().map(AdjustRecord::epoch).toList());

            n.crash();
            TestNode again = cluster.start(0, 1, 2);
            assertEquals("not imported twice", 2, again.versions.history(Optional.of("orders")).size());
            assertEquals(3, again.node.group("orders").orElseThrow().epoch());
        }
    }
}
