package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/** A joiner gets an existing member's state as of its join position, then every later message. */
public class StateTransferTest {

    /** keeps every message it saw; its state is that list */
    static final class Log implements GroupListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public synchronized void onMessage(Delivery delivery) {
            seen.add(new String(delivery.payload(), StandardCharsets.UTF_8));
        }

        @Override
        public synchronized byte[] stateForJoiner() {
            return String.join("\n", seen).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void restoreState(byte[] state) {
            String text = new String(state, StandardCharsets.UTF_8);
            if (!text.isEmpty()) {
                seen.addAll(Arrays.asList(text.split("\n")));
            }
        }

        synchronized List<String> seen() {
            return new ArrayList<>(seen);
        }
    }

    @Test
    public void joinersWhileTrafficFlowsEndWithTheSameLog() throws Exception {
        try (TestCluster cluster = new TestCluster("state-transfer", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            Log first = new Log();
            Group writer = nodes.get(0).node.join("log", first);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<?> writing = pool.submit(() -> {
                for (int i = 0; i < 400; i++) {
                    writer.send(("m" + i).getBytes(StandardCharsets.UTF_8));
                }
                return null;
            });
            Log second = new Log();
            Log third = new Log();
            Log sameNode = new Log();
            nodes.get(1).node.join("log", second);
            nodes.get(2).node.join("log", third);
            nodes.get(0).node.join("log", sameNode);
            writing.get();
            pool.shutdown();
            Await.until("every log complete", TestCluster.WAIT,
                    () -> List.of(first, second, third, sameNode).stream().allMatch(l -> l.seen().size() == 400),
                    () -> List.of(first.seen().size(), second.seen().size(), third.seen().size(),
                            sameNode.seen().size()));
            assertEquals(first.seen(), second.seen());
            assertEquals(first.seen(), third.seen());
            assertEquals(first.seen(), sameNode.seen());
        }
    }
}
