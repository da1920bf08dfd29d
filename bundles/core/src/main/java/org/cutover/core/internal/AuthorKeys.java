package org.cutover.core.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.cutover.core.internal.tls.EntryVerifier;
import org.cutover.core.internal.wire.LogBatch;

/**
 * Part of the replicated state: each author node's certificate chain and the CAs it trusts, as its own signed
 * entries said. The CAs the cluster trusts are those that more than half of the nodes that announced any trust:
 * one node (a compromised one, or one with a wrong file) can neither add a CA nor remove one, and a rotation's
 * step takes effect once a majority of the nodes made it.
 */
final class AuthorKeys {

    /** author -> DER chain, own certificate first; deterministic order for snapshots */
    private final TreeMap<String, List<byte[]>> chains = new TreeMap<>();
    /** author -> DER CAs it trusts */
    private final TreeMap<String, List<byte[]>> authorities = new TreeMap<>();
    /** {@link #trust()}, computed when an announcement changes, not for every entry */
    private List<byte[]> trust = List.of();

    List<byte[]> chainOf(String author) {
        return chains.getOrDefault(author, List.of());
    }

    /** the CAs the cluster trusts now */
    List<byte[]> trust() {
        return trust;
    }

    /** the CAs the cluster would trust with {@code author}'s announcement of {@code announced} (none: as now) */
    List<byte[]> trustWith(String author, List<byte[]> announced) {
        if (announced.isEmpty()) {
            return trust();
        }
        TreeMap<String, List<byte[]>> next = new TreeMap<>(authorities);
        next.put(author, announced);
        return majority(next);
    }

    /** records what an applied entry of {@code author} said about itself */
    void record(String author, LogBatch.Identity identity) {
        if (!identity.chain().isEmpty()) {
            chains.put(author, identity.chain());
        }
        if (!identity.authorities().isEmpty()) {
            authorities.put(author, identity.authorities());
            trust = majority(authorities);
        }
    }

    /** whether the state already holds this identity of {@code author}: its entries need not carry it */
    boolean holds(String author, LogBatch.Identity identity) {
        return same(chains.get(author), identity.chain()) && same(authorities.get(author), identity.authorities());
    }

    private static boolean same(List<byte[]> a, List<byte[]> b) {
        if (a == null || a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static List<byte[]> majority(Map<String, List<byte[]>> announced) {
        Map<String, byte[]> byPrint = new TreeMap<>();
        Map<String, Integer> votes = new HashMap<>();
        for (List<byte[]> cas : announced.values()) {
            for (byte[] ca : cas) {
                String print = EntryVerifier.fingerprint(List.of(ca));
                byPrint.put(print, ca);
                votes.merge(print, 1, Integer::sum);
            }
        }
        List<byte[]> trusted = new ArrayList<>();
        byPrint.forEach((print, ca) -> {
            if (votes.get(print) * 2 > announced.size()) {
                trusted.add(ca);
            }
        });
        return trusted;
    }

    void writeTo(DataOutput out) throws IOException {
        write(out, chains);
        write(out, authorities);
    }

    static AuthorKeys readFrom(DataInput in) throws IOException {
        AuthorKeys k = new AuthorKeys();
        read(in, k.chains);
        read(in, k.authorities);
        k.trust = majority(k.authorities);
        return k;
    }

    private static void write(DataOutput out, TreeMap<String, List<byte[]>> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, List<byte[]>> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeShort(e.getValue().size());
            for (byte[] der : e.getValue()) {
                out.writeInt(der.length);
                out.write(der);
            }
        }
    }

    private static void read(DataInput in, TreeMap<String, List<byte[]>> map) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("author count " + n + " is out of range");
        }
        for (int i = 0; i < n; i++) {
            String author = in.readUTF();
            int count = in.readUnsignedShort();
            if (count > 8) {
                throw new IOException(count + " certificates of " + author + " in a snapshot, at most 8");
            }
            List<byte[]> ders = new ArrayList<>(count);
            for (int j = 0; j < count; j++) {
                int len = in.readInt();
                if (len < 1 || len > 16 << 10) {
                    throw new IOException("certificate of " + len + " bytes in a snapshot");
                }
                byte[] der = new byte[len];
                in.readFully(der);
                ders.add(der);
            }
            map.put(author, List.copyOf(ders));
        }
    }
}
