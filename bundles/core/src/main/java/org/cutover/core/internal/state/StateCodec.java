package org.cutover.core.internal.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import org.cutover.api.NodeStatus;

/**
 * The cluster state's encoding, for RAFT's snapshots (a joiner's or a lagging node's state) and the persisted
 * file. Reading checks every count and level, since the bytes may come from a damaged file.
 */
final class StateCodec {

    private StateCodec() {
    }

    static void write(ClusterState s, DataOutput out) throws IOException {
        out.writeLong(s.lastViewId);
        out.writeInt(s.nodes.size());
        for (NodeRecord n : s.nodes.values()) {
            out.writeUTF(n.name);
            out.writeUTF(n.status.name());
            out.writeUTF(n.uuid);
            out.writeUTF(n.address);
            out.writeLong(n.incarnation);
            out.writeShort(n.levels.size());
            for (int l : n.levels) {
                out.writeInt(l);
            }
        }
        out.writeInt(s.groups.size());
        for (GroupRecord g : s.groups.values()) {
            out.writeUTF(g.name);
            out.writeInt(g.level);
            out.writeLong(g.epoch);
            out.writeInt(g.members.size());
            for (Map.Entry<String, String> m : g.members.entrySet()) {
                out.writeUTF(m.getKey());
                out.writeUTF(m.getValue());
            }
        }
        s.history.write(out);
    }

    static ClusterState read(DataInput in) throws IOException {
        ClusterState s = new ClusterState();
        s.lastViewId = in.readLong();
        int nodeCount = boundedCount(in);
        for (int i = 0; i < nodeCount; i++) {
            String name = in.readUTF();
            NodeStatus status;
            try {
                status = NodeStatus.valueOf(in.readUTF());
            } catch (IllegalArgumentException e) {
                throw new IOException("unknown node status for " + name, e);
            }
            String uuid = in.readUTF();
            String address = in.readUTF();
            long incarnation = in.readLong();
            int levelCount = in.readUnsignedShort();
            SortedSet<Integer> levels = new TreeSet<>();
            for (int l = 0; l < levelCount; l++) {
                levels.add(positive(in.readInt(), "level"));
            }
            NodeRecord record = new NodeRecord(name, status, uuid, address, levels);
            record.incarnation = incarnation;
            s.nodes.put(name, record);
        }
        int groupCount = boundedCount(in);
        for (int i = 0; i < groupCount; i++) {
            GroupRecord g = new GroupRecord(in.readUTF(), positive(in.readInt(), "level"), in.readLong());
            int members = boundedCount(in);
            for (int m = 0; m < members; m++) {
                g.members.put(in.readUTF(), in.readUTF());
            }
            s.putGroup(g);
        }
        s.history.readFrom(in);
        return s;
    }

    static int boundedCount(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) {
            throw new IOException("count " + n + " is out of range");
        }
        return n;
    }

    private static int positive(int v, String what) throws IOException {
        if (v < 1) {
            throw new IOException(what + " " + v + " is not positive");
        }
        return v;
    }
}
