package org.cutover.example.internal;

/** lets tests outside this package put a write on the fake bus */
public final class Writes {
    private Writes() {
    }

    public static byte[] encode(long counter, String key, String value) {
        return new Write(counter, key, value).encode();
    }
}
