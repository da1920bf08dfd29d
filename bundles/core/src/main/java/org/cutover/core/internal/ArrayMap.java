package org.cutover.core.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A read-only map over two arrays, in their order, for maps that are made once per adjust of up to thousands of
 * groups and then only iterated or copied: no hash and no node per entry where it is made. {@code get} scans; the
 * keys must differ (the maker's to ensure). The API's records copy what they are given, so this never reaches a
 * caller of the API.
 */
public final class ArrayMap<V> extends AbstractMap<String, V> {

    private final String[] keys;
    /** the value at a key's position */
    private final IntFunction<V> valueAt;

    /** the arrays are the map's from now on: the maker no longer changes them */
    @SuppressWarnings("unchecked")
    public ArrayMap(String[] keys, Object[] values) {
        this(keys, values.length, i -> (V) values[i]);
    }

    private ArrayMap(String[] keys, int values, IntFunction<V> valueAt) {
        if (keys.length != values) {
            throw new IllegalArgumentException(keys.length + " keys, " + values + " values");
        }
        this.keys = keys;
        this.valueAt = valueAt;
    }

    /**
     * Values boxed as they are read, not when the map is made: every node makes an adjust's new epochs while it
     * applies it, and only the asking node reads them (boxing 1,000 epochs on each node's applier was 370 MB of
     * one benchmark run's allocations, JFR 2026-12-06). The array is the map's from now on.
     */
    public static ArrayMap<Long> ofLongs(String[] keys, long[] values) {
        return new ArrayMap<>(keys, values.length, i -> values[i]);
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public Set<Entry<String, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return keys.length;
            }

            @Override
            public Iterator<Entry<String, V>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Entry<String, V> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(keys[i], valueAt.apply(i));
                    }
                };
            }
        };
    }
}
