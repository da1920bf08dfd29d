package org.cutover.core.internal.state;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.cutover.core.internal.wire.Envelope.Hello;
import org.junit.Test;

/** Member ids are {@code node#incarnation.n}: an incarnation must never be counted twice. */
public class IncarnationTest {

    private static Hello hello(boolean fresh, long incarnation) {
        return new Hello("node5", "u5", "127.0.0.1:5", new TreeSet<>(List.of(1)), Map.of(), List.of(), fresh,
                incarnation);
    }

    @Test
    public void aNodeFirstSeenThroughAMergeKeepsItsIncarnation() {
        // node5 started alone (its fresh hello counted incarnation 1 in its own replica only), then merged: the
        // others learn of it from a plain hello
        ClusterState others = new ClusterState();
        others.hello(hello(false, 1));
        assertEquals(1, others.incarnationOf("node5"));
        // after a crash it restarts with the others' snapshot: its fresh hello must not count 1 again
        others.hello(hello(true, 1));
        assertEquals(2, others.incarnationOf("node5"));
    }

    @Test
    public void theReplicaWinsWhenItKnowsMore() {
        ClusterState s = new ClusterState();
        s.hello(hello(true, 0));
        s.hello(hello(true, 0));
        s.hello(hello(true, 0));
        assertEquals(3, s.incarnationOf("node5"));
        s.hello(hello(false, 1));
        assertEquals(3, s.incarnationOf("node5"));
    }
}
