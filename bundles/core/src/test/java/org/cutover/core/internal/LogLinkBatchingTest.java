package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.DataInput;
import java.io.DataOutput;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
import org.cutover.core.internal.wire.Slice;
import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.StateMachine;
import org.junit.Test;

/**
 * How a node packs what it sends into log entries while one of its entries is in flight, and streamed data
 * within the batch gap after its last entry: a log of one node, whose state machine holds the first entry until
 * the test lets it go (or not).
 */
public class LogLinkBatchingTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** small envelopes that come one by one while an entry is in flight go out together after it */
    @Test
    public void smallSendsWaitForTheEntryInFlightAndGoTogether() throws Exception {
        try (OneNodeLog log = new OneNodeLog()) {
            CompletableFuture<ClusterState.Result> first = log.link.append(data(100));
            log.firstArrived.await(5, TimeUnit.SECONDS);
            List<CompletableFuture<ClusterState.Result>> rest = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                rest.add(log.link.append(data(100)));
                Thread.sleep(20); // the sender has time to send each on its own
            }
            assertEquals("entries in flight while the first is held", 1, log.link.entriesInFlight());
            log.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            for (CompletableFuture<ClusterState.Result> f : rest) {
                f.get(5, TimeUnit.SECONDS);
            }
            assertEquals("envelopes per entry", List.of(1, 8), log.sizes);
        }
    }

    /** a full batch queued behind the entry in flight goes at once */
    @Test
    public void aFullBatchDoesNotWait() throws Exception {
        try (OneNodeLog log = new OneNodeLog()) {
            CompletableFuture<ClusterState.Result> first = log.link.append(data(100));
            log.firstArrived.await(5, TimeUnit.SECONDS);
            CompletableFuture<ClusterState.Result> big = log.link.append(data(LogLink.FULL_BATCH_BYTES));
            awaitInFlight(log.link, 2);
            log.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            big.get(5, TimeUnit.SECONDS);
        }
    }

    /**
     * an envelope that is not group data (a join here; an adjust alike) goes at once behind the entry in flight,
     * with the data queued before it
     */
    @Test
    public void aJoinDoesNotWaitAndTakesWhatWasQueuedBeforeIt() throws Exception {
        try (OneNodeLog log = new OneNodeLog()) {
            CompletableFuture<ClusterState.Result> first = log.link.append(data(100));
            log.firstArrived.await(5, TimeUnit.SECONDS);
            List<CompletableFuture<ClusterState.Result>> rest = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rest.add(log.link.append(data(100)));
                Thread.sleep(20);
            }
            rest.add(log.link.append(new Envelope.Join("g", "a#1.2", "a")));
            awaitInFlight(log.link, 2);
            rest.add(log.link.append(data(100)));
            Thread.sleep(20);
            assertEquals("entries in flight while the first is held", 2, log.link.entriesInFlight());
            log.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            for (CompletableFuture<ClusterState.Result> f : rest) {
                f.get(5, TimeUnit.SECONDS);
            }
            assertEquals("envelopes per entry", List.of(1, 4, 1), log.sizes);
        }
    }

    /**
     * Streamed data (sendAsync) of an idle node goes at once; what follows within the gap after that entry waits
     * for the gap's end and goes as one entry, though nothing is in flight (6 entries of 1 without the gap)
     */
    @Test
    public void streamedDataGoesAtMostOncePerGap() throws Exception {
        Duration gap = Duration.ofMillis(600);
        try (OneNodeLog log = new OneNodeLog(gap, false)) {
            long start = System.nanoTime();
            log.link.appendStreamed(data(100)).get(5, TimeUnit.SECONDS);
            long first = System.nanoTime() - start;
            assertTrue("an idle node's first entry went at once, not after the gap: " + first / 1_000_000 + " ms",
                    first < gap.toNanos() / 2);
            List<CompletableFuture<ClusterState.Result>> rest = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rest.add(log.link.appendStreamed(data(100)));
                Thread.sleep(20); // nothing in flight: without the gap each would go on its own
            }
            for (CompletableFuture<ClusterState.Result> f : rest) {
                f.get(5, TimeUnit.SECONDS);
            }
            long all = System.nanoTime() - start;
            assertEquals("envelopes per entry", List.of(1, 5), log.sizes);
            assertTrue("the second entry went after the gap: " + all / 1_000_000 + " ms",
                    all >= gap.toNanos() - TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** a send its caller waits for (and a join alike) takes the streamed data queued before it, without the gap */
    @Test
    public void anAwaitedSendDoesNotWaitTheGap() throws Exception {
        assertNoGapFor(data(100));
    }

    @Test
    public void aJoinDoesNotWaitTheGap() throws Exception {
        assertNoGapFor(new Envelope.Join("g", "a#1.2", "a"));
    }

    private static void assertNoGapFor(Envelope awaited) throws Exception {
        Duration gap = Duration.ofSeconds(5);
        try (OneNodeLog log = new OneNodeLog(gap, false)) {
            log.link.appendStreamed(data(100)).get(5, TimeUnit.SECONDS);
            long start = System.nanoTime();
            List<CompletableFuture<ClusterState.Result>> rest = new java.util.ArrayList<>();
            rest.add(log.link.appendStreamed(data(100)));
            rest.add(log.link.appendStreamed(data(100)));
            Thread.sleep(50); // the sender waits out the gap with them
            rest.add(log.link.append(awaited));
            for (CompletableFuture<ClusterState.Result> f : rest) {
                f.get(4, TimeUnit.SECONDS); // within the gap
            }
            assertTrue("went before the gap's end", System.nanoTime() - start < gap.toNanos() - TimeUnit.SECONDS.toNanos(1));
            assertEquals("envelopes per entry", List.of(1, 3), log.sizes);
        }
    }

    /** a join, or a send its caller waits for, on a node with nothing unsent is handed over on its caller's thread */
    @Test
    public void anIdleNodesJoinOrSendIsHandedOverByItsCaller() throws Exception {
        try (OneNodeLog log = new OneNodeLog(Duration.ZERO, false)) {
            log.link.append(new Envelope.Join("g", "a#1.2", "a")).get(5, TimeUnit.SECONDS);
            log.link.append(data(100)).get(5, TimeUnit.SECONDS);
            String caller = Thread.currentThread().getName();
            assertEquals("threads that handed entries over", List.of(caller, caller), log.handedOverBy);
        }
    }

    /**
     * Callers that hand over their own entries (joins, sends) and the sender thread, at once: the entries reach the
     * log in their numbers' order, each once (one behind a gap would be skipped there until sent again a second
     * later), and every envelope is applied
     */
    @Test
    public void callersAndTheSenderHandEntriesOverInTheirNumbersOrder() throws Exception {
        try (OneNodeLog log = new OneNodeLog(Duration.ZERO, false)) {
            List<CompletableFuture<ClusterState.Result>> all = new CopyOnWriteArrayList<>();
            List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int kind = t % 3; // joins, sends waited for, streamed sends
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 300; i++) {
                        CompletableFuture<ClusterState.Result> f = kind == 0
                                ? log.link.append(new Envelope.Join("g", "a#1." + i, "a"))
                                : kind == 1 ? log.link.append(data(100)) : log.link.appendStreamed(data(100));
                        all.add(f);
                        if (kind != 2) {
                            f.join();
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(t.getName() + " still sending after 30 s", t.isAlive());
            }
            for (CompletableFuture<ClusterState.Result> f : all) {
                f.get(5, TimeUnit.SECONDS);
            }
            List<Long> numbers = List.copyOf(log.numbers);
            for (int i = 0; i < numbers.size(); i++) {
                assertEquals("entry " + i + " of " + numbers.size() + ", applied in the order "
                        + numbers.subList(Math.max(0, i - 3), Math.min(numbers.size(), i + 4)), i + 1,
                        (long) numbers.get(i));
            }
            assertEquals("envelopes applied", all.size(), log.sizes.stream().mapToInt(Integer::intValue).sum());
            assertTrue("some entries handed over by callers: " + new java.util.TreeSet<>(log.handedOverBy),
                    log.handedOverBy.stream().anyMatch(n -> !n.startsWith("cutover-log-")));
        }
    }

    private static void awaitInFlight(LogLink link, int entries) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (link.entriesInFlight() < entries && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals("entries in flight while the first is held", entries, link.entriesInFlight());
    }

    private static Envelope.GroupData data(int bytes) {
        return new Envelope.GroupData("g", "a#1.1", 1, Slice.of(new byte[bytes]));
    }

    /** a log of one node ("a"), leading it; its state machine tells the link what it applied */
    private static final class OneNodeLog implements StateMachine, AutoCloseable {
        final JChannel ch;
        final LogLink link;
        final CountDownLatch firstArrived = new CountDownLatch(1);
        final CountDownLatch release;
        /** envelopes per entry, as applied */
        final List<Integer> sizes = new CopyOnWriteArrayList<>();
        /** the entries' numbers, as applied */
        final List<Long> numbers = new CopyOnWriteArrayList<>();
        /** the thread of each hand-over to the leader */
        final List<String> handedOverBy = new CopyOnWriteArrayList<>();

        /** with no batch gap; the state machine holds the first entry until {@link #release} */
        OneNodeLog() throws Exception {
            this(Duration.ZERO, true);
        }

        OneNodeLog(Duration batchGap, boolean holdFirst) throws Exception {
            release = new CountDownLatch(holdFirst ? 1 : 0);
            RAFT raft = new RAFT().raftId("a").members(List.of("a")).logClass(InMemoryLog.class.getName())
                    .logPrefix("log-link-batching-" + java.util.UUID.randomUUID());
            ch = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(), new UNICAST3(),
                    new STABLE(), new GMS(), raft, new REDIRECT()).name("a");
            RaftHandle handle = new RaftHandle(ch, this) {
                @Override
                public CompletableFuture<byte[]> setAsync(byte[] buf, int offset, int length,
                                                          org.jgroups.raft.Options options) throws Exception {
                    handedOverBy.add(Thread.currentThread().getName());
                    return super.setAsync(buf, offset, length, options);
                }
            };
            ch.connect("log-link-batching-" + java.util.UUID.randomUUID());
            raft.setLeaderAndTerm(ch.getAddress(), 1);
            link = new LogLink(handle, "a", TIMEOUT, () -> 0, (b, o, l) -> new byte[] {1},
                    () -> LogBatch.Identity.NONE, batchGap);
        }

        @Override
        public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
            if (length == LogLink.COMMIT_NUDGE.length && data[offset] == LogLink.COMMIT_NUDGE[0]) {
                return null;
            }
            LogBatch.View batch = LogBatch.decode(data, offset, length);
            if (firstArrived.getCount() > 0) {
                firstArrived.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            sizes.add(batch.offsets().length);
            numbers.add(batch.number());
            for (int i = 0; i < batch.offsets().length; i++) {
                link.applied(batch.author(), batch.session(), batch.number(), i,
                        new ClusterState.Result(List.of(), null, null, java.util.Map.of()));
            }
            return null;
        }

        @Override
        public void readContentFrom(DataInput in) {
        }

        @Override
        public void writeContentTo(DataOutput out) {
        }

        @Override
        public void close() {
            link.close();
            ch.close();
        }
    }
}
