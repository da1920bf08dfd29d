package org.cutover.jgroups.raft;

import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jgroups.raft.StateMachine;

/**
 * What a member would see: the entries applied, as text, in order, and how
 * often a snapshot replaced them. A read (one byte, 1) is not an entry.
 */
final class RecordingStateMachine implements StateMachine {

    static final byte[] READ = {1};

    private final List<String> applied = new ArrayList<>();
    private int snapshotsRead;
    /** run before an entry is recorded, on RAFT's thread; may block it */
    private volatile Consumer<String> beforeApply = e -> { };

    synchronized List<String> seen() {
        return List.copyOf(applied);
    }

    synchronized int snapshotsRead() {
        return snapshotsRead;
    }

    void beforeApply(Consumer<String> hook) {
        beforeApply = hook;
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
        if (length != READ.length || data[offset] != READ[0]) {
            String entry = new String(data, offset, length, StandardCharsets.UTF_8);
            beforeApply.accept(entry);
            synchronized (this) {
                applied.add(entry);
            }
        }
        return null;
    }

    @Override
    public synchronized void readContentFrom(DataInput in) throws Exception {
        snapshotsRead++;
        applied.clear();
        for (int n = in.readInt(); n > 0; n--) {
            applied.add(in.readUTF());
        }
    }

    @Override
    public synchronized void writeContentTo(DataOutput out) throws Exception {
        out.writeInt(applied.size());
        for (String s : applied) {
            out.writeUTF(s);
        }
    }
}
