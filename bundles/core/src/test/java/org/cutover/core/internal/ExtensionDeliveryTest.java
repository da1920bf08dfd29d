package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.Delivery;
import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.infra.batch.Batches;
import org.cutover.infra.internal.level3.BatchService;
import org.cutover.infra.internal.level3.Level3Protocol;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * A function core does not know, brought by an infrastructure bundle: infra 3.0.0's level 3 and its atomic
 * batches, hot-added to every node of a running cluster as installing the bundle does. Batches sent under
 * another member's stream reach every member whole, in order, at one position with nothing between them; every
 * member's complete log is the same.
 */
public class ExtensionDeliveryTest {

    private static final int BATCHES = 25;
    private static final int BATCH_SIZE = 5;

    @Test
    public void batchesOfLevelThreeReachEveryMemberWholeAtOnePositionUnderAStream() throws Exception {
        try (TestCluster cluster = new TestCluster("extension-batch", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            List<RecordingListener> logs = new ArrayList<>();
            List<Group> kv = new ArrayList<>();
            for (TestNode n : nodes) {
                RecordingListener log = new RecordingListener();
                kv.add(n.node.join("kv", log));
                logs.add(log);
            }
            for (TestNode n : nodes) {
                Await.until(n.name + " to see 3 members of kv", TestCluster.WAIT,
                        () -> n.node.group("kv").map(g -> g.members().size() == 3).orElse(false),
                        () -> n.node.group("kv"));
            }
            Batches batches = new BatchService();
            assertFalse(kv.get(0).supports(Batches.FUNCTION));
            FunctionUnavailableException early = assertThrows(FunctionUnavailableException.class,
                    () -> batches.send(kv.get(0), List.of(bytes("early"))));
            assertEquals(Batches.FUNCTION, early.extension());

            for (TestNode n : nodes) {
                n.infra.add(new Level3Protocol()); // as infra 3.0.0's component does when the bundle starts
            }
            for (int i = 0; i < kv.size(); i++) {
                Group g = kv.get(i);
                Await.until(nodes.get(i).name + "'s member at level 3 (the automatic adjust)", TestCluster.WAIT,
                        () -> g.level() == 3, () -> g.level());
            }
            assertTrue(kv.get(0).supports(Batches.FUNCTION));

            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicReference<String> lastSent = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                for (int i = 0; sending.get(); i++) {
                    try {
                        kv.get(1).send(bytes("m-" + i));
                        lastSent.set("m-" + i);
                    } catch (GroupException e) {
                        throw new AssertionError("a send failed while nothing failed: " + e, e);
                    }
                }
            }, "extension-writer");
            writer.start();
            try {
                for (int b = 0; b < BATCHES; b++) {
                    List<byte[]> batch = new ArrayList<>();
                    for (int m = 0; m < BATCH_SIZE; m++) {
                        batch.add(bytes("b" + b + "-" + m));
                    }
                    batches.send(kv.get(2 - b % 2 * 2), batch); // from node3 and node1 in turn
                }
            } finally {
                sending.set(false);
                writer.join(TestCluster.WAIT.toMillis());
            }
            String last = lastSent.get();
            for (int i = 0; i < logs.size(); i++) {
                RecordingListener log = logs.get(i);
                Await.until(nodes.get(i).name + " delivered everything", TestCluster.WAIT,
                        () -> log.texts().contains(last) && log.texts().contains("b" + (BATCHES - 1) + "-"
                                + (BATCH_SIZE - 1)), () -> log.count());
            }
            List<String> first = described(logs.get(0).messages());
            for (int i = 1; i < logs.size(); i++) {
                assertEquals(nodes.get(i).name + "'s whole log against node1's", first,
                        described(logs.get(i).messages()));
            }
            for (int b = 0; b < BATCHES; b++) {
                int at = logs.get(0).texts().indexOf("b" + b + "-0");
                List<Delivery> all = logs.get(0).messages();
                for (int m = 0; m < BATCH_SIZE; m++) {
                    Delivery d = all.get(at + m);
                    assertEquals("batch " + b + " in order, nothing between", "b" + b + "-" + m, text(d));
                    assertEquals("batch " + b + " at one position", all.get(at).sequence(), d.sequence());
                    assertEquals(3, d.level());
                }
                assertTrue("the batch's position is its own",
                        at == 0 || all.get(at - 1).sequence() < all.get(at).sequence());
            }
        }
    }

    private static List<String> described(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.sequence() + " " + d.level() + " " + d.sender().id() + " " + text(d))
                .toList();
    }

    private static String text(Delivery d) {
        return new String(d.payload(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
