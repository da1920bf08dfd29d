package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.MembershipChange.Reason;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.junit.Test;

/**
 * Data keeps flowing while the infrastructure is swapped and the group is
 * switched: nothing lost, duplicated or reordered, and every message decoded
 * at the level it was sent with.
 */
public class SwitchUnderLoadTest {

    @Test
    public void nothingLostDuplicatedOrReorderedAcrossTheSwitch() throws Exception {
        try (TestCluster cluster = new TestCluster("switch-load", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<RecordingListener> listeners = new ArrayList<>();
            List<Group> groups = new ArrayList<>();
            for (TestNode n : nodes) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                groups.add(n.node.join("load", l));
            }
            Await.until("three members", TestCluster.WAIT, () -> groups.get(0).members().size() == 3,
                    () -> groups.get(0).members());
            nodes.get(0).node.hold(true, List.of("load")); // the operator's adjust below switches it
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService senders = Executors.newFixedThreadPool(3);
            List<Future<Integer>> sent = new ArrayList<>();
            for (Group g : groups) {
                sent.add(senders.submit(() -> {
                    int i = 0;
                    while (running.get() || i < 50) {
                        g.send((g.self().id() + ":" + i++).getBytes(StandardCharsets.UTF_8));
                        if (i % 20 == 0) {
                            Thread.sleep(1);
                        }
                    }
                    return i;
                }));
            }
            for (TestNode n : nodes) {
                n.infra.add(new TestInfra(2));
            }
            for (TestNode n : nodes) {
                Await.until("all capable of 2", TestCluster.WAIT, () -> n.node.read(s -> s.potentialLevel()) == 2,
                        () -> n.node.definedNodes());
            }
            AdjustResult r = nodes.get(0).versions.adjust(VersionRequest.of(2, "load"));
            assertTrue(r.check().failures().toString(), r.complete());
            Thread.sleep(300); // let traffic flow at level 2 for a while
            running.set(false);
            int total = 0;
            for (Future<Integer> f : sent) {
                total += f.get();
            }
            senders.shutdown();
            int expected = total;
            Await.until("every member to deliver " + expected, TestCluster.WAIT,
                    () -> listeners.stream().allMatch(l -> l.count() == expected),
                    () -> listeners.stream().map(RecordingListener::count).toList());

            List<String> reference = listeners.get(0).texts();
            for (RecordingListener l : listeners) {
                assertEquals("one order on every member", reference, l.texts());
                assertFalse(l.changes().stream().anyMatch(c -> c.reason() == Reason.LEAVE
                        || c.reason() == Reason.FAILURE));
            }
            // per sender: consecutive numbers, and once a message arrives at level 2 none arrives at level 1
            Map<String, Integer> next = new HashMap<>();
            Map<String, Integer> levelSeen = new HashMap<>();
            int atOne = 0;
            int atTwo = 0;
            for (Delivery d : listeners.get(1).messages()) {
                String text = new String(d.payload(), StandardCharsets.UTF_8);
                String sender = text.substring(0, text.indexOf(':'));
                int n = Integer.parseInt(text.substring(text.indexOf(':') + 1));
                assertEquals("no loss, no duplicate, no reordering for " + sender, (int) next.getOrDefault(sender, 0), n);
                next.put(sender, n + 1);
                assertTrue("levels only go up for " + sender, d.level() >= levelSeen.getOrDefault(sender, 1));
                levelSeen.put(sender, d.level());
                if (d.level() == 1) {
                    atOne++;
                } else {
                    atTwo++;
                }
            }
            assertTrue("traffic on both sides of the switch: " + atOne + " / " + atTwo, atOne > 0 && atTwo > 0);
        }
    }
}
