package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.cutover.core.internal.state.ClusterState;
import org.junit.Test;

public class AdjustWaiterTest {

    @Test
    public void aNodeThatLeftTheViewIsNotWaitedForUntilTheTimeLimit() throws Exception {
        AdjustWaiter w = new AdjustWaiter();
        w.delivered(new ClusterState.Result(List.of(), null, null, Map.of("g", 2L)), Map.of("node1", List.of("node1#1.1"), "node3",
                List.of("node3#1.1")));
        w.confirmed("node1");
        assertFalse("node3 has not confirmed and is still in the view", w.awaitConfirmations(Duration.ZERO));
        w.viewChanged(Set.of("node1", "node2"));
        assertTrue("node3 crashed: the caller stops waiting for it", w.awaitConfirmations(Duration.ZERO));
        assertEquals("and it is not counted as confirmed", Set.of("node1"), w.confirmedNanos().keySet());
    }
}
