package org.cutover.core.internal.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import org.cutover.api.NodeStatus;
import org.cutover.core.internal.wire.Envelope.Kar;

/**
 * The cluster state's encoding, for RAFT's snapshots (a joiner's or a lagging node's state) and the persisted
 * file. Reading checks every count, level and name, since the bytes may come from a damaged file or another node.
 *
 * <p>A snapshot is the pre-log state file's format (nodes, groups, history: {@link #writeLegacy}) followed by
 * what the log brought later, each part appended when it came: the ACL, held groups, the rollout, the cluster's
 * features, the KARs, revoked certificates. A snapshot written before a part existed ends before it, and reads as
 * the defaults.
 */
final class StateCodec {

    private StateCodec() {
    }

    static void write(ClusterState s, DataOutput out) throws IOException {
        writeLegacy(s, out);
        s.acl.writeTo(out);
        List<String> held = s.groups.values().stream().filter(g -> g.held).map(g -> g.name).toList();
        out.writeInt(held.size());
        for (String name : held) {
            out.writeUTF(name);
        }
        out.writeBoolean(s.rollout != null);
        if (s.rollout != null) {
            s.rollout.writeTo(out);
        }
        out.writeInt(s.clusterFeatures.size());
        for (String feature : s.clusterFeatures) {
            out.writeUTF(feature);
        }
        out.writeBoolean(s.rolloutKar != null);
        if (s.rolloutKar != null) {
            writeKar(out, s.rolloutKar);
        }
        out.writeInt(s.clusterKars.size());
        for (Map.Entry<String, Kar> e : s.clusterKars.entrySet()) {
            out.writeUTF(e.getKey());
            writeKar(out, e.getValue());
        }
        out.writeInt(s.revoked.size());
        for (Map.Entry<String, String> e : s.revoked.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    static ClusterState read(DataInput in) throws IOException {
        ClusterState s = readLegacy(in);
        s.acl.readFrom(in);
        int held = boundedCount(in);
        for (int i = 0; i < held; i++) {
            String name = in.readUTF();
            GroupRecord g = s.groupRecord(name);
            if (g == null) {
                throw new IOException("the snapshot holds group " + name + ", which it does not have");
            }
            g.held = true;
        }
        if (in.readBoolean()) {
            s.rollout = Rollout.readFrom(in);
        }
        int features;
        try {
            features = boundedCount(in);
        } catch (EOFException written) {
            // a state written before the cluster's features were kept ends here
            return s;
        }
        for (int i = 0; i < features; i++) {
            String feature = in.readUTF();
            if (!ClusterState.printable(feature)) {
                throw new IOException("the snapshot names a feature that is not printable");
            }
            s.clusterFeatures.add(feature);
        }
        boolean hasRolloutKar;
        try {
            hasRolloutKar = in.readBoolean();
        } catch (EOFException written) {
            // a state written before upgrades brought KARs ends here
            return s;
        }
        if (hasRolloutKar) {
            s.rolloutKar = readKar(in);
        }
        int kars = boundedCount(in);
        for (int i = 0; i < kars; i++) {
            s.clusterKars.put(in.readUTF(), readKar(in));
        }
        int revocations;
        try {
            revocations = boundedCount(in);
        } catch (EOFException written) {
            // a state written before certificates could be revoked ends here
            return s;
        }
        for (int i = 0; i < revocations; i++) {
            String fingerprint = in.readUTF();
            String node = in.readUTF();
            if (!fingerprint.matches("[0-9a-f]{64}") || !ClusterState.printable(node)) {
                throw new IOException("the snapshot holds a revoked certificate that is not one");
            }
            s.revoked.put(fingerprint, node);
        }
        return s;
    }

    /** the state file of the pre-log format: nodes, groups and the history */
    static void writeLegacy(ClusterState s, DataOutput out) throws IOException {
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
            out.writeInt(g.members().size());
            for (Map.Entry<String, String> m : g.members().entrySet()) {
                out.writeUTF(m.getKey());
                out.writeUTF(m.getValue());
            }
        }
        s.history.write(out);
    }

    static ClusterState readLegacy(DataInput in) throws IOException {
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
                String id = in.readUTF();
                String node = in.readUTF();
                NodeRecord record = s.nodes.get(node);
                g.put(id, record == null ? node : record.name); // one name per node, as ClusterState.join keeps
            }
            s.putGroup(g);
        }
        s.history.readFrom(in);
        return s;
    }

    private static void writeKar(DataOutput out, Kar kar) throws IOException {
        out.writeUTF(kar.name());
        out.writeUTF(kar.sha256());
        out.writeInt(kar.bytes().length);
        out.write(kar.bytes());
        out.writeInt(kar.signature().length);
        out.write(kar.signature());
    }

    private static Kar readKar(DataInput in) throws IOException {
        String name = in.readUTF();
        String sha = in.readUTF();
        int length = in.readInt();
        if (length < 0 || length > ClusterState.MAX_KAR_BYTES) {
            throw new IOException("the snapshot holds a KAR of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        int signed = in.readInt();
        if (signed < 0 || signed > 64 * 1024) {
            throw new IOException("the snapshot holds a KAR signature of " + signed + " bytes");
        }
        byte[] signature = new byte[signed];
        in.readFully(signature);
        return new Kar(name, sha, bytes, signature);
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
