package org.cutover.core.internal;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * The node's batch gap (log.batch.gap.ms) holds what a member sends with sendAsync, never a send its caller waits
 * for: on a node with the longest gap it takes (1 s), a send right after an entry returns at once.
 */
public class BatchGapTest {

    private static final Duration GAP = NodeSettings.MAX_LOG_BATCH_GAP;

    @Test
    public void sendAsyncWaitsForTheGapAndSendDoesNot() throws Exception {
        try (TestCluster cluster = new TestCluster("batch-gap", 1).batchGap(GAP)) {
            TestNode node = cluster.startAll(1, 1).get(0);
            Group member = node.node.join("g", new RecordingListener());

            long start = System.nanoTime();
            member.send(new byte[] {1});
            long sent = System.nanoTime() - start;
            assertTrue("a send went at once: " + sent / 1_000_000 + " ms", sent < TimeUnit.MILLISECONDS.toNanos(500));

            start = System.nanoTime();
            CompletableFuture<Void> streamed = member.sendAsync(new byte[] {2}).toCompletableFuture();
            Thread.sleep(200);
            assertTrue("a sendAsync right after an entry waits for the gap", !streamed.isDone());
            streamed.get(GAP.toSeconds() + 10, TimeUnit.SECONDS);
            long waited = System.nanoTime() - start;
            assertTrue("it went after the gap: " + waited / 1_000_000 + " ms",
                    waited >= GAP.toNanos() - TimeUnit.MILLISECONDS.toNanos(400));

            start = System.nanoTime();
            member.send(new byte[] {3});
            sent = System.nanoTime() - start;
            assertTrue("a send right after an entry does not wait for the gap: " + sent / 1_000_000 + " ms",
                    sent < TimeUnit.MILLISECONDS.toNanos(500));
        }
    }

    @Test
    public void aGapBelowZeroOrAboveASecondIsRefusedNamingTheSetting() {
        for (Duration bad : List.of(Duration.ofMillis(-1), NodeSettings.MAX_LOG_BATCH_GAP.plusMillis(1))) {
            try {
                new NodeSettings("node1", "c", List.of(), Path.of("target", "gap-log"), false,
                        Path.of("target", "gap-state.bin"), Duration.ofSeconds(10), Duration.ofSeconds(5),
                        NodeSettings.DEFAULT_LOG_COMPACT_BYTES, NodeSettings.DEFAULT_LOG_CHECKPOINT_ENTRIES, bad);
                fail("took a batch gap of " + bad.toMillis() + " ms");
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().startsWith("log.batch.gap.ms must be 0 to"
                        + " 1000"));
            }
        }
    }
}
