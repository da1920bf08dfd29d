package org.cutover.core.internal.wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import org.cutover.core.internal.wire.Envelope.*;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;

/**
 * Binary encoding of {@link Envelope}s. Plain DataOutput rather than JGroups
 * headers: custom header classes would have to be registered with JGroups'
 * ClassConfigurator from another bundle's class loader, and the payload is all
 * we need. Decoding refuses anything malformed with an IOException and never
 * allocates more than the bytes at hand justify.
 */
public final class WireFormat {

    /** first byte of every envelope: lets a node drop traffic that is not ours */
    static final byte MAGIC = (byte) 0xC7;
    static final int MAX_COUNT = 1 << 16;

    private WireFormat() {
    }

    public static byte[] encode(Envelope e) {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(sizeHint(e), true);
        write(out, e);
        return java.util.Arrays.copyOf(out.buffer(), out.position());
    }

    /**
     * About the envelope's encoded size: what the log link counts to fill a batch, and sizes buffers with. It
     * counts the parts that grow (frames, group lists, member lists) as they are written: an adjust of 1,000 groups
     * sized at 64 bytes grew its buffer by one field at a time, and copying it took 13 % of a 1,000-group adjust
     * benchmark's samples (JFR, 2026-12-01).
     */
    public static int sizeHint(Envelope e) {
        int grows = frameLength(e);
        if (e instanceof Adjust a) {
            grows += versionsLength(a.from()) + utfLength(a.asker().user()) + stringsLength(a.asker().roles())
                    + utfLength(a.cause());
        } else if (e instanceof RemoveNode r) {
            grows += utfLength(r.asker().user()) + stringsLength(r.asker().roles());
        } else if (e instanceof SetAcl a) {
            grows += stringsLength(a.roles()) + utfLength(a.asker().user()) + stringsLength(a.asker().roles());
        } else if (e instanceof AddNode a) {
            grows += utfLength(a.asker().user()) + stringsLength(a.asker().roles());
        } else if (e instanceof Hold h) {
            grows += stringsLength(h.groups()) + utfLength(h.asker().user()) + stringsLength(h.asker().roles());
        } else if (e instanceof MajorityRecovered m) {
            grows += stringsLength(m.voters()) + utfLength(m.asker().user()) + stringsLength(m.asker().roles());
        } else if (e instanceof UpgradeStart u) {
            grows += utfLength(u.feature()) + utfLength(u.asker().user()) + stringsLength(u.asker().roles())
                    + (u.kar() == null ? 0 : utfLength(u.kar().name()) + utfLength(u.kar().sha256())
                    + u.kar().bytes().length + u.kar().signature().length + 2 * Integer.BYTES);
        } else if (e instanceof UpgradeProgress u) {
            grows += utfLength(u.detail());
        } else if (e instanceof UpgradeAbort u) {
            grows += utfLength(u.asker().user()) + stringsLength(u.asker().roles());
        } else if (e instanceof RevokeCertificate r) {
            grows += utfLength(r.fingerprint()) + utfLength(r.asker().user()) + stringsLength(r.asker().roles());
        } else if (e instanceof Hello h) {
            grows += versionsLength(h.groups());
            for (Map.Entry<String, List<String>> m : h.members().entrySet()) {
                grows += utfLength(m.getKey()) + stringsLength(m.getValue());
            }
        } else if (e instanceof ViewChanged v) {
            grows += stringsLength(v.uuids());
        } else if (e instanceof GroupState g && g.state() != null) {
            grows += g.state().length;
        } else if (e instanceof ImportHistory h) {
            grows += h.history().length;
        }
        return 128 + grows;
    }

    private static int versionsLength(List<GroupVersion> versions) {
        int n = 4;
        for (GroupVersion v : versions) {
            n += utfLength(v.group()) + Integer.BYTES + Long.BYTES;
        }
        return n;
    }

    private static int stringsLength(List<String> values) {
        int n = 4;
        for (String v : values) {
            n += utfLength(v);
        }
        return n;
    }

    /** writeUTF's length at most: 2 bytes of length, up to 3 per char */
    private static int utfLength(String s) {
        return 2 + 3 * s.length();
    }

    /** writes the envelope where it goes: into a log entry's buffer, so a group message is copied only once here */
    public static void write(DataOutput out, Envelope e) {
        try {
            out.writeByte(MAGIC);
            if (e instanceof Hello h) {
                out.writeByte(1);
                out.writeUTF(h.node());
                out.writeUTF(h.uuid());
                out.writeUTF(h.address());
                writeLevels(out, h.levels());
                out.writeInt(h.members().size());
                for (Map.Entry<String, List<String>> m : h.members().entrySet()) {
                    out.writeUTF(m.getKey());
                    writeStrings(out, m.getValue());
                }
                writeVersions(out, h.groups());
                out.writeBoolean(h.fresh());
                out.writeLong(h.incarnation());
            } else if (e instanceof CapabilityChanged c) {
                out.writeByte(2);
                out.writeUTF(c.node());
                writeLevels(out, c.levels());
            } else if (e instanceof Goodbye g) {
                out.writeByte(3);
                out.writeUTF(g.node());
            } else if (e instanceof ViewChanged v) {
                out.writeByte(4);
                out.writeLong(v.term());
                out.writeLong(v.viewId());
                writeStrings(out, v.uuids());
            } else if (e instanceof RemoveNode r) {
                out.writeByte(5);
                out.writeUTF(r.node());
                out.writeUTF(r.requestedBy());
                writeAsker(out, r.asker());
            } else if (e instanceof Join j) {
                out.writeByte(6);
                out.writeUTF(j.group());
                out.writeUTF(j.member());
                out.writeUTF(j.node());
            } else if (e instanceof Leave l) {
                out.writeByte(7);
                out.writeUTF(l.group());
                out.writeUTF(l.member());
            } else if (e instanceof Adjust a) {
                out.writeByte(8);
                out.writeUTF(a.requestId());
                out.writeUTF(a.requestedBy());
                out.writeInt(a.toLevel());
                writeVersions(out, a.from());
                out.writeLong(a.sentAtMillis());
                writeAsker(out, a.asker());
                out.writeUTF(a.cause());
                out.writeBoolean(a.revertable());
            } else if (e instanceof AdjustConfirm c) {
                out.writeByte(9);
                out.writeUTF(c.requestId());
                out.writeUTF(c.node());
            } else if (e instanceof AdjustDone d) {
                out.writeByte(10);
                out.writeUTF(d.requestId());
                out.writeLong(d.durationMicros());
                out.writeUTF(d.outcome());
            } else if (e instanceof GroupData d) {
                out.writeByte(11);
                out.writeUTF(d.group());
                out.writeUTF(d.member());
                out.writeInt(d.level());
                writeSlice(out, d.frame());
            } else if (e instanceof Reply r) {
                out.writeByte(12);
                out.writeUTF(r.group());
                out.writeUTF(r.member());
                out.writeInt(r.level());
                writeSlice(out, r.frame());
            } else if (e instanceof GroupState g) {
                out.writeByte(15);
                out.writeUTF(g.group());
                out.writeUTF(g.joiner());
                out.writeBoolean(g.state() != null);
                if (g.state() != null) {
                    writeBytes(out, g.state());
                }
            } else if (e instanceof ForceVoters f) {
                out.writeByte(16);
                out.writeUTF(f.requestedBy());
                writeStrings(out, f.voters());
            } else if (e instanceof MajorityRecovered m) {
                out.writeByte(17);
                out.writeUTF(m.requestedBy());
                writeStrings(out, m.voters());
                out.writeLong(m.atMillis());
                writeAsker(out, m.asker());
            } else if (e instanceof ImportHistory h) {
                out.writeByte(18);
                out.writeUTF(h.node());
                writeBytes(out, h.history());
            } else if (e instanceof AddNode a) {
                out.writeByte(19);
                out.writeUTF(a.node());
                out.writeUTF(a.requestedBy());
                out.writeLong(a.atMillis());
                writeAsker(out, a.asker());
            } else if (e instanceof Hold h) {
                out.writeByte(21);
                writeStrings(out, h.groups());
                out.writeBoolean(h.held());
                out.writeUTF(h.requestedBy());
                out.writeLong(h.atMillis());
                writeAsker(out, h.asker());
            } else if (e instanceof UpgradeStart u) {
                // kind 25 is kind 22 followed by the KAR: entries without one read as they always did
                out.writeByte(u.kar() == null ? 22 : 25);
                out.writeUTF(u.id());
                out.writeUTF(u.feature());
                out.writeInt(u.parallel());
                out.writeBoolean(u.dryRun());
                out.writeBoolean(u.retire());
                out.writeUTF(u.requestedBy());
                out.writeLong(u.atMillis());
                writeAsker(out, u.asker());
                if (u.kar() != null) {
                    out.writeUTF(u.kar().name());
                    out.writeUTF(u.kar().sha256());
                    writeBytes(out, u.kar().bytes());
                    writeBytes(out, u.kar().signature());
                }
            } else if (e instanceof UpgradeProgress u) {
                out.writeByte(23);
                out.writeUTF(u.id());
                out.writeUTF(u.node());
                out.writeUTF(u.phase());
                out.writeUTF(u.detail());
                out.writeLong(u.atMillis());
            } else if (e instanceof UpgradeAbort u) {
                out.writeByte(24);
                out.writeUTF(u.id());
                out.writeUTF(u.requestedBy());
                out.writeLong(u.atMillis());
                writeAsker(out, u.asker());
            } else if (e instanceof SetAcl a) {
                out.writeByte(20);
                out.writeUTF(a.operation());
                writeStrings(out, a.roles());
                out.writeUTF(a.requestedBy());
                out.writeLong(a.atMillis());
                writeAsker(out, a.asker());
            } else if (e instanceof RevokeCertificate r) {
                out.writeByte(26);
                out.writeUTF(r.node());
                out.writeUTF(r.fingerprint());
                out.writeUTF(r.requestedBy());
                out.writeLong(r.atMillis());
                writeAsker(out, r.asker());
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static int frameLength(Envelope e) {
        if (e instanceof GroupData d) {
            return d.frame().length();
        }
        return e instanceof Reply r ? r.frame().length() : 0;
    }

    public static Envelope decode(byte[] buf, int offset, int length) throws IOException {
        if (length < 2 || offset < 0 || offset > buf.length - length) {
            throw new IOException("an envelope of " + length + " bytes at " + offset + " is not within the "
                    + buf.length + " bytes at hand");
        }
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(buf, offset, length);
        if (in.readByte() != MAGIC) {
            throw new IOException("not a Cutover envelope (bad magic byte)");
        }
        int kind = in.readUnsignedByte();
        Envelope e = switch (kind) {
            case 1 -> {
                String node = utf(in);
                String uuid = utf(in);
                String address = utf(in);
                SortedSet<Integer> levels = readLevels(in);
                int groups = count(in, length);
                Map<String, List<String>> members = new LinkedHashMap<>();
                for (int i = 0; i < groups; i++) {
                    members.put(utf(in), readStrings(in, length));
                }
                yield new Hello(node, uuid, address, levels, members, readVersions(in, length), in.readBoolean(),
                        in.readLong());
            }
            case 2 -> new CapabilityChanged(utf(in), readLevels(in));
            case 3 -> new Goodbye(utf(in));
            case 4 -> new ViewChanged(in.readLong(), in.readLong(), readStrings(in, length));
            case 5 -> new RemoveNode(utf(in), utf(in), readAsker(in, length));
            case 6 -> new Join(utf(in), utf(in), utf(in));
            case 7 -> new Leave(utf(in), utf(in));
            case 8 -> new Adjust(utf(in), utf(in), in.readInt(), readVersions(in, length), in.readLong(),
                    readAsker(in, length), utf(in), in.readBoolean());
            case 9 -> new AdjustConfirm(utf(in), utf(in));
            case 10 -> new AdjustDone(utf(in), in.readLong(), utf(in));
            case 11 -> new GroupData(utf(in), utf(in), in.readInt(), readSlice(in));
            case 12 -> new Reply(utf(in), utf(in), in.readInt(), readSlice(in));
            case 15 -> new GroupState(utf(in), utf(in), in.readBoolean() ? readBytes(in, length) : null);
            case 16 -> new ForceVoters(utf(in), readStrings(in, length));
            case 17 -> new MajorityRecovered(utf(in), readStrings(in, length), in.readLong(),
                    readAsker(in, length));
            case 18 -> new ImportHistory(utf(in), readBytes(in, length));
            case 19 -> new AddNode(utf(in), utf(in), in.readLong(), readAsker(in, length));
            case 21 -> new Hold(readStrings(in, length), in.readBoolean(), utf(in), in.readLong(),
                    readAsker(in, length));
            case 20 -> new SetAcl(utf(in), readStrings(in, length), utf(in), in.readLong(),
                    readAsker(in, length));
            case 22, 25 -> new UpgradeStart(utf(in), utf(in), in.readInt(), in.readBoolean(),
                    in.readBoolean(), utf(in), in.readLong(), readAsker(in, length), kind == 25
                    ? new Kar(utf(in), utf(in), readBytes(in, length), readBytes(in, length)) : null);
            case 23 -> new UpgradeProgress(utf(in), utf(in), utf(in), utf(in), in.readLong());
            case 24 -> new UpgradeAbort(utf(in), utf(in), in.readLong(), readAsker(in, length));
            case 26 -> new RevokeCertificate(utf(in), utf(in), utf(in), in.readLong(),
                    readAsker(in, length));
            default -> throw new IOException("unknown envelope kind " + kind);
        };
        if (in.available() > 0) {
            throw new IOException(in.available() + " trailing bytes after envelope kind " + kind);
        }
        return e;
    }

    static void writeLevels(DataOutput out, SortedSet<Integer> levels) throws IOException {
        out.writeShort(levels.size());
        for (int l : levels) {
            out.writeInt(l);
        }
    }

    static SortedSet<Integer> readLevels(DataInput in) throws IOException {
        int n = in.readUnsignedShort();
        SortedSet<Integer> levels = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            int level = in.readInt();
            if (level < 1) {
                throw new IOException("level " + level + " is not a level");
            }
            levels.add(level);
        }
        return levels;
    }

    static void writeStrings(DataOutput out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    static List<String> readStrings(DataInput in, int limit) throws IOException {
        int n = count(in, limit);
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(utf(in));
        }
        return values;
    }

    static void writeAsker(DataOutput out, Envelope.Asker asker) throws IOException {
        out.writeUTF(asker.user());
        writeStrings(out, asker.roles());
    }

    static Envelope.Asker readAsker(DataInput in, int limit) throws IOException {
        return new Envelope.Asker(utf(in), readStrings(in, limit));
    }

    static void writeVersions(DataOutput out, List<GroupVersion> versions) throws IOException {
        out.writeInt(versions.size());
        for (GroupVersion v : versions) {
            out.writeUTF(v.group());
            out.writeInt(v.level());
            out.writeLong(v.epoch());
        }
    }

    /**
     * {@code in.readUTF()}, reading an ASCII string (every name Cutover makes) straight into a Latin-1 string: JGroups'
     * stream decodes any string through a char array and a string that it then compresses, three arrays per string,
     * for each of an adjust's group names on every node and each data message's group and member (the names of
     * 1,000-group adjusts: about 700 MB of the RAFT threads' 3.8 GB in one benchmark run, JFR 2026-12-06).
     */
    static String utf(DataInput in) throws IOException {
        if (in instanceof ByteArrayDataInputStream b && b.limit() - b.position() >= 2) {
            byte[] buf = b.buffer();
            int start = b.position() + 2;
            int length = (buf[start - 2] & 0xff) << 8 | buf[start - 1] & 0xff;
            // 0xffff is JGroups' null; a zero byte or one with the high bit set is not a one-byte character of
            // writeUTF's encoding: readUTF decides those
            if (length != 0xffff && length <= b.limit() - start && ascii(buf, start, length)) {
                b.advance(2 + length); // position(int) refuses the end of the buffer
                return new String(buf, start, length, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        }
        return in.readUTF();
    }

    private static boolean ascii(byte[] buf, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (buf[i] <= 0) {
                return false;
            }
        }
        return true;
    }

    static List<GroupVersion> readVersions(DataInput in, int limit) throws IOException {
        int n = count(in, limit);
        List<GroupVersion> versions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            versions.add(new GroupVersion(utf(in), in.readInt(), in.readLong()));
        }
        return versions;
    }

    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] readBytes(DataInput in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IOException("byte count " + n + " exceeds the " + limit + " bytes received");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static void writeSlice(DataOutput out, Slice s) throws IOException {
        out.writeInt(s.length());
        out.write(s.array(), s.offset(), s.length());
    }

    /** the next length-prefixed bytes, as a range of the buffer being decoded */
    static Slice readSlice(ByteArrayDataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.limit() - in.position()) {
            throw new IOException("byte count " + n + " exceeds the " + (in.limit() - in.position())
                    + " bytes left");
        }
        Slice s = new Slice(in.buffer(), in.position(), n);
        in.skipBytes(n);
        return s;
    }

    /** a count can never exceed the bytes that carry its elements */
    static int count(DataInput in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit || n > MAX_COUNT) {
            throw new IOException("count " + n + " is out of range");
        }
        return n;
    }
}
