package org.cutover.api.version;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

public class OrderedCopyTest {

    /** names whose hashes collide in a small table, in an order that is neither sorted nor hashed */
    private static Map<String, Long> groups(int n) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = n - 1; i >= 0; i--) {
            m.put("g" + (i * 7919 % n), (long) i);
        }
        return m;
    }

    @Test
    public void aCopyKeepsTheOrderAndAnswersEveryLookupAsTheOriginal() {
        for (int n : new int[] {1, 2, 3, 17, 1000}) {
            Map<String, Long> original = groups(n);
            Map<String, Long> copy = OrderedCopy.of(original);
            assertEquals(new ArrayList<>(original.keySet()), new ArrayList<>(copy.keySet()));
            assertEquals(new ArrayList<>(original.values()), new ArrayList<>(copy.values()));
            for (String k : original.keySet()) {
                assertEquals(original.get(k), copy.get(k));
                assertTrue(copy.containsKey(k));
            }
            assertNull(copy.get("absent"));
            assertFalse(copy.containsKey("absent"));
            assertFalse(copy.containsKey(null));
            assertEquals(original, copy);
            assertEquals(copy, original);
            assertEquals(original.hashCode(), copy.hashCode());
            assertEquals(original.toString(), copy.toString());
            assertEquals(n, copy.size());
        }
    }

    /** the lookup table is made at the first lookup: threads that look up in a fresh copy at once all find */
    @Test
    public void threadsThatLookUpInAFreshCopyAtOnceAllFindEveryKey() throws Exception {
        Map<String, Long> original = groups(1000);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            lookUpAtOnce(original, pool);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void lookUpAtOnce(Map<String, Long> original, Executor pool)
            throws Exception {
        for (int round = 0; round < 50; round++) {
            Map<String, Long> copy = OrderedCopy.of(original);
            CyclicBarrier start = new CyclicBarrier(4);
            List<CompletableFuture<Integer>> found = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                found.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    int n = 0;
                    for (Map.Entry<String, Long> e : original.entrySet()) {
                        n += e.getValue().equals(copy.get(e.getKey())) ? 1 : 0;
                    }
                    return n;
                }, pool));
            }
            for (CompletableFuture<Integer> f : found) {
                assertEquals(1000, (int) f.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    public void aCopyCannotBeChangedAndDoesNotFollowItsOriginal() {
        Map<String, Long> original = groups(5);
        Map<String, Long> copy = OrderedCopy.of(original);
        Long before = original.get("g1");
        original.put("g1", 99L);
        original.put("new", 1L);
        assertEquals(before, copy.get("g1"));
        assertFalse(copy.containsKey("new"));
        assertThrows(UnsupportedOperationException.class, () -> copy.put("x", 1L));
        assertThrows(UnsupportedOperationException.class, () -> copy.remove("g1"));
        assertThrows(UnsupportedOperationException.class, copy::clear);
        assertThrows(UnsupportedOperationException.class, () -> copy.entrySet().iterator().next().setValue(7L));
        assertThrows(UnsupportedOperationException.class, () -> copy.keySet().iterator().remove());
    }

    @Test
    public void nullKeysAndValuesAreKeptAsALinkedHashMapKeepsThem() {
        Map<String, Long> original = new LinkedHashMap<>();
        original.put("a", null);
        original.put(null, 2L);
        Map<String, Long> copy = OrderedCopy.of(original);
        assertTrue(copy.containsKey("a"));
        assertNull(copy.get("a"));
        assertEquals(Long.valueOf(2), copy.get(null));
        assertEquals(original, copy);
    }

    @Test
    public void theResultsCopyOnceAndKeepTheirOrder() {
        Map<String, Integer> levels = new LinkedHashMap<>();
        levels.put("b", 1);
        levels.put("a", 2);
        Map<String, Long> epochs = new HashMap<>(Map.of("b", 4L, "a", 5L));
        CheckResult check = new CheckResult(2, levels, epochs, List.of());
        assertEquals(List.of("b", "a"), new ArrayList<>(check.fromLevels().keySet()));
        // a result made from another one's maps takes them as they are
        CheckResult again = new CheckResult(2, check.fromLevels(), check.fromEpochs(), List.of());
        assertSame(check.fromLevels(), again.fromLevels());
        assertSame(check.fromEpochs(), again.fromEpochs());
        AdjustResult result = new AdjustResult(check, true, Map.of(), List.of(), Map.of(), Duration.ZERO);
        assertTrue(result.newEpochs().isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> result.newEpochs().put("a", 1L));
    }
}
