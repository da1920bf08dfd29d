package org.cutover.core.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A read-only map over two arrays, in their order, for maps that are made once per adjust of up to thousands of
 * groups and then only iterated or copied: no hash and no node per entry where it is made. {@code get} scans; the
 * keys must differ (the maker's to ensure). The API's records copy what they are given, so this never reaches a
 * caller of the API.
 */
public final class ArrayMap<V> extends AbstractMap<String, V> {

    private final String[] keys;
    private final Object[] values;

    /** the arrays are the map's from now on: the maker no longer changes them */
    public ArrayMap(String[] keys, Object[] values) {
        if (keys.length != values.length) {
            throw new IllegalArgumentException(keys.length + " keys, " + values.length + " values");
        }
        this.keys = keys;
        this.values = values;
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
                    @SuppressWarnings("unchecked")
                    public Entry<String, V> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(keys[i], (V) values[i]);
                    }
                };
            }
        };
    }
}
