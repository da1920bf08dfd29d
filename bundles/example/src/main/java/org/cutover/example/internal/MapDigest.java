package org.cutover.example.internal;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * What a member answers to a verify request: how many entries its map holds
 * and a SHA-256 over them in key order, with the log position of the write
 * that set each (see {@link KvMap#digest()}).
 */
public record MapDigest(long entries, byte[] sha256) {

    public MapDigest {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 has 32 bytes, not " + sha256.length);
        }
        sha256 = sha256.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(sha256);
    }

    byte[] encode() {
        return ByteBuffer.allocate(40).putLong(entries).put(sha256).array();
    }

    /** @throws IllegalArgumentException if the reply is not a digest */
    static MapDigest decode(byte[] reply) {
        if (reply == null || reply.length != 40) {
            throw new IllegalArgumentException("a digest reply has 40 bytes, not "
                    + (reply == null ? "none" : String.valueOf(reply.length)));
        }
        ByteBuffer b = ByteBuffer.wrap(reply);
        long entries = b.getLong();
        byte[] sha = new byte[32];
        b.get(sha);
        return new MapDigest(entries, sha);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapDigest d && d.entries == entries && java.util.Arrays.equals(d.sha256, sha256);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(entries) * 31 + java.util.Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return entries + " entries, sha256 " + hex();
    }
}
