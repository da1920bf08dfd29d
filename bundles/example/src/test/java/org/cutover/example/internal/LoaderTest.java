package org.cutover.example.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.After;
import org.junit.Test;

public class LoaderTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private final FakeBus bus = new FakeBus();
    private final List<KvStoreComponent> stores = new ArrayList<>();

    @After
    public void stopAll() {
        stores.forEach(KvStoreComponent::deactivate);
    }

    private KvStoreComponent joined(String node) throws InterruptedException {
        KvStoreComponent store = new KvStoreComponent(bus.node(node), bus.batches(), Duration.ofMillis(10));
        stores.add(store);
        assertTrue(store.awaitJoined(DEADLINE));
        return store;
    }

    private static LoadProgress awaitEnd(KvStore store) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (store.loadProgress().state() == LoadProgress.State.RUNNING) {
            assertTrue("the load ended within " + DEADLINE, System.nanoTime() < deadline);
            Thread.sleep(5);
        }
        return store.loadProgress();
    }

    @Test
    public void aLoadWritesExactlyNKeysOnEveryMemberAndStops() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        assertEquals(LoadProgress.State.IDLE, a.loadProgress().state());
        a.load(500, 0, KvStore.UNIQUE_KEYS);
        LoadProgress done = awaitEnd(a);
        assertEquals(LoadProgress.State.DONE, done.state());
        assertEquals(500, done.written());
        assertNull(done.error());
        Thread.sleep(50);
        for (KvStoreComponent s : List.of(a, b)) {
            assertEquals(500, s.size());
            assertEquals(500, s.stats().counters().applied());
            assertEquals(Optional.of("value-1"), s.get("load-node1-1"));
            assertEquals(Optional.of("value-500"), s.get("load-node1-500"));
            assertEquals(Optional.empty(), s.get("load-node1-501"));
            assertEquals(Optional.empty(), s.get("load-node1-0"));
        }
        assertEquals(500, a.stats().sent());
        assertTrue(a.verify(DEADLINE).agreed());
    }

    @Test
    public void loadsOnTwoNodesOverwriteTheSharedKeys() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        a.load(25, 0, 10);
        b.load(25, 0, 10);
        awaitEnd(a);
        awaitEnd(b);
        for (KvStoreComponent s : List.of(a, b)) {
            assertEquals(10, s.size());
            assertEquals(50, s.stats().counters().applied());
            assertEquals(Optional.empty(), s.get("k0"));
            assertEquals(Optional.empty(), s.get("k11"));
        }
        // write n sets k((n - 1) % 10 + 1): the 25th sets k5, the 20th k10, to whichever node wrote it last
        assertTrue(a.get("k5").orElseThrow(), a.get("k5").orElseThrow().matches("node[12]-25"));
        assertTrue(a.get("k10").orElseThrow(), a.get("k10").orElseThrow().matches("node[12]-20"));
        assertEquals(a.get("k5"), b.get("k5"));
        assertTrue(a.verify(DEADLINE).agreed());
    }

    @Test
    public void aSharedKeyLoadCyclesThroughItsKeys() throws Exception {
        List<String> writes = new ArrayList<>();
        Loader loader = new Loader((k, v) -> writes.add(k + "=" + v));
        loader.start("n", 5, 0, 2);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (loader.progress().state() == LoadProgress.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(List.of("k1=n-1", "k2=n-2", "k1=n-3", "k2=n-4", "k1=n-5"), writes);
    }

    @Test
    public void onlyOneLoadRunsAtATime() throws Exception {
        KvStoreComponent a = joined("node1");
        a.load(1_000_000, 100, KvStore.UNIQUE_KEYS);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.load(10, 0, KvStore.UNIQUE_KEYS));
        assertTrue(e.getMessage(), e.getMessage().startsWith("a load is already running ("));
        LoadProgress stopped = a.stopLoad();
        assertEquals(LoadProgress.State.STOPPED, stopped.state());
        assertTrue(stopped.written() < 1_000_000);
        long sent = a.stats().sent();
        assertEquals(stopped.written(), sent);
        Thread.sleep(100);
        assertEquals("no write after the stop", sent, a.stats().sent());
        // another load may start once the first has ended
        a.load(10, 0, KvStore.UNIQUE_KEYS);
        assertEquals(LoadProgress.State.DONE, awaitEnd(a).state());
    }

    @Test
    public void theRateLimitsTheLoad() throws Exception {
        KvStoreComponent a = joined("node1");
        a.load(21, 100, KvStore.UNIQUE_KEYS);   // 20 intervals of 10 ms
        LoadProgress done = awaitEnd(a);
        assertEquals(21, done.written());
        assertTrue("took " + done.elapsed(), done.elapsed().toMillis() >= 195);
    }

    @Test
    public void aFailingWriteEndsTheLoadWithItsReason() throws Exception {
        int[] writes = new int[1];
        Loader loader = new Loader((k, v) -> {
            if (++writes[0] > 3) {
                throw new IllegalStateException("the group is gone");
            }
        });
        loader.start("n", 10, 0, 5);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (loader.progress().state() == LoadProgress.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        LoadProgress p = loader.progress();
        assertEquals(LoadProgress.State.FAILED, p.state());
        assertEquals(3, p.written());
        assertEquals("the group is gone", p.error());
    }

    @Test
    public void badArgumentsAreRefused() {
        Loader loader = new Loader((k, v) -> { });
        assertThrows(IllegalArgumentException.class, () -> loader.start("n", 0, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> loader.start("n", 5, -1, 5));
        assertThrows(IllegalArgumentException.class, () -> loader.start("n", 5, 0, -1));
        assertEquals(LoadProgress.State.IDLE, loader.progress().state());
    }
}
