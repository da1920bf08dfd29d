package org.cutover.core.internal.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.cutover.api.version.AdjustRecord;

/**
 * The replicated adjust history: the newest {@value #MAX} adjusts and recoveries, each under the request id that
 * makes a copy of it change nothing. Every replica drops the same oldest ones.
 */
final class AdjustHistory {

    static final int MAX = 500;

    private record Entry(String requestId, AdjustRecord record) {
    }

    private final List<Entry> entries = new ArrayList<>();
    /** the entries' request ids: every replica asks at every adjust (a scan of the 500 was 5 % of the CPU samples) */
    private final Set<String> ids = new HashSet<>();

    void record(String requestId, AdjustRecord record) {
        if (entries.size() >= MAX) {
            ids.remove(entries.remove(0).requestId);
        }
        entries.add(new Entry(requestId, record));
        ids.add(requestId);
    }

    boolean applied(String requestId) {
        return ids.contains(requestId);
    }

    /** how the adjust ended, reported by its asker after the confirmations */
    void done(String requestId, Duration duration, String outcome) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (e.requestId.equals(requestId)) {
                AdjustRecord r = e.record;
                entries.set(i, new Entry(requestId, new AdjustRecord(r.when(), r.requestedBy(), r.groups(),
                        r.fromLevel(), r.toLevel(), r.epoch(), duration, outcome)));
                return;
            }
        }
    }

    List<AdjustRecord> list(Optional<String> group) {
        List<AdjustRecord> list = new ArrayList<>();
        for (Entry e : entries) {
            if (group.isEmpty() || e.record.groups().contains(group.get())) {
                list.add(e.record);
            }
        }
        return list;
    }

    /**
     * Entries of a pre-log state file that this history lacks (by request id), the newest first, into the room
     * that is left only, each marked with the node that brought it; then time order. An import never drops a
     * record: a node with a valid certificate could otherwise push every record of the log out of the history
     * with {@value #MAX} entries dated in the future.
     *
     * @return how many entries it took
     */
    int importFrom(byte[] encoded, String node) throws IOException {
        List<Entry> imported = read(new DataInputStream(new ByteArrayInputStream(encoded)));
        imported.sort(Comparator.comparing((Entry e) -> e.record.when()).reversed());
        int taken = 0;
        for (Entry e : imported) {
            if (entries.size() >= MAX) {
                break;
            }
            if (!applied(e.requestId)) {
                AdjustRecord r = e.record;
                entries.add(new Entry(e.requestId, new AdjustRecord(r.when(), r.requestedBy(), r.groups(),
                        r.fromLevel(), r.toLevel(), r.epoch(), r.duration(), r.outcome() + " (imported from "
                        + node + ")")));
                ids.add(e.requestId);
                taken++;
            }
        }
        entries.sort(Comparator.comparing(e -> e.record.when()));
        return taken;
    }

    byte[] bytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(entries.size());
        for (Entry e : entries) {
            AdjustRecord r = e.record;
            out.writeUTF(e.requestId);
            out.writeLong(r.when().toEpochMilli());
            out.writeUTF(r.requestedBy());
            out.writeInt(r.groups().size());
            for (String g : r.groups()) {
                out.writeUTF(g);
            }
            out.writeInt(r.fromLevel());
            out.writeInt(r.toLevel());
            out.writeLong(r.epoch());
            out.writeLong(r.duration() == null ? -1 : r.duration().toNanos() / 1000);
            out.writeUTF(r.outcome());
        }
    }

    /** replaces the entries with those read */
    void readFrom(DataInput in) throws IOException {
        entries.clear();
        entries.addAll(read(in));
        ids.clear();
        entries.forEach(e -> ids.add(e.requestId));
    }

    private static List<Entry> read(DataInput in) throws IOException {
        List<Entry> read = new ArrayList<>();
        int count = StateCodec.boundedCount(in);
        if (count > MAX) {
            // every replica keeps the newest MAX: a longer history was not written by Cutover
            throw new IOException("a history of " + count + " adjusts; Cutover keeps at most " + MAX);
        }
        for (int i = 0; i < count; i++) {
            String requestId = in.readUTF();
            Instant when = Instant.ofEpochMilli(in.readLong());
            String by = in.readUTF();
            int n = StateCodec.boundedCount(in);
            List<String> names = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                names.add(in.readUTF());
            }
            int from = in.readInt();
            int to = in.readInt();
            long epoch = in.readLong();
            long micros = in.readLong();
            String outcome = in.readUTF();
            read.add(new Entry(requestId, new AdjustRecord(when, by, names, from, to, epoch,
                    micros < 0 ? null : Duration.ofNanos(micros * 1000), outcome)));
        }
        return read;
    }
}
