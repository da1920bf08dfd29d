package org.cutover.api.version;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A read-only copy of a map in the order it was given in: its keys and values in two arrays and an open-addressed
 * table of their positions. The results of an adjust of 1,000 groups copied their maps into {@code LinkedHashMap}s,
 * one node object per group: 326 of the asking thread's 1,026 samples in an adjust (JFR, 2026-12-06), a third of
 * it after the last confirmation, where the caller waits for it. A copy of a copy is the copy itself. The table is
 * made at the first lookup: most results are only iterated, and hashing 1,000 group names the asker last read
 * before the other nodes' applies is a cache miss each.
 */
final class OrderedCopy<K, V> extends AbstractMap<K, V> {

    private static final OrderedCopy<?, ?> EMPTY = new OrderedCopy<>(new Object[0], new Object[0]);

    private final Object[] keys;
    private final Object[] values;
    /**
     * position + 1 of the key in {@link #keys} at the slot its hash leads to, or after it; 0 for a free slot. Null
     * until the first lookup; threads that race make equal tables.
     */
    private volatile int[] slots;
    private Set<Map.Entry<K, V>> entries;

    @SuppressWarnings("unchecked")
    static <K, V> Map<K, V> of(Map<? extends K, ? extends V> map) {
        if (map instanceof OrderedCopy<?, ?> copy) {
            return (Map<K, V>) copy;
        }
        if (map.isEmpty()) {
            return (Map<K, V>) EMPTY;
        }
        Object[] keys = new Object[map.size()];
        Object[] values = new Object[keys.length];
        int i = 0;
        for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
            keys[i] = e.getKey();
            values[i] = e.getValue();
            i++;
        }
        return new OrderedCopy<>(keys, values);
    }

    private OrderedCopy(Object[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    private int[] slots() {
        int[] table = slots;
        if (table == null) {
            // at most half full, so that a search ends at a free slot soon
            table = new int[Integer.highestOneBit(Math.max(1, keys.length) * 2) * 2];
            for (int i = 0; i < keys.length; i++) {
                int s = slot(table, keys[i]);
                while (table[s] != 0) {
                    s = (s + 1) & (table.length - 1);
                }
                table[s] = i + 1;
            }
            slots = table;
        }
        return table;
    }

    private static int slot(int[] table, Object key) {
        int h = Objects.hashCode(key);
        return (h ^ (h >>> 16)) & (table.length - 1);
    }

    /** the key's position, or -1 */
    private int indexOf(Object key) {
        int[] slots = slots();
        for (int s = slot(slots, key); slots[s] != 0; s = (s + 1) & (slots.length - 1)) {
            int i = slots[s] - 1;
            if (Objects.equals(keys[i], key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : (V) values[i];
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        Set<Map.Entry<K, V>> e = entries;
        if (e == null) {
            e = new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<K, V>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < keys.length;
                        }

                        @Override
                        @SuppressWarnings("unchecked")
                        public Map.Entry<K, V> next() {
                            if (next >= keys.length) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new SimpleImmutableEntry<>((K) keys[i], (V) values[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.length;
                }
            };
            entries = e;
        }
        return e;
    }
}
