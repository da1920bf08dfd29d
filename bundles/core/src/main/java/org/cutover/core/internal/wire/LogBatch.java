package org.cutover.core.internal.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jgroups.util.ByteArrayDataOutputStream;

/**
 * One entry of the cluster log: many envelopes of one author node, in the
 * order that node queued them, signed by that node. Batching is what makes a
 * majority-committed log fast enough for group data: one commit round carries
 * hundreds of messages, and one signature. The author's session (random per
 * start) and batch number let the author match the entry to its waiting
 * callers when it applies it; other nodes ignore them.
 *
 * <p>Entries reach the log through the leader, not from their author, and
 * JGroups' TLS does not tell the protocols above it who a peer is: the
 * signature, made with the key of the author's certificate, is what proves who
 * wrote an entry. An entry may carry the author's {@link Identity} (its
 * certificate chain and the CAs it trusts), which every node records in the
 * replicated state; later entries are checked against the recorded chain.
 *
 * <p>Layout: magic, author (UTF-8, length-prefixed), session, number, the
 * identity (certificate count and DER certificates, CA count and DER CAs, both
 * 0 when absent), envelope count, then per envelope its length and its
 * {@link WireFormat} bytes; last the signature's length and the signature over
 * every byte before it.
 */
public final class LogBatch {

    public static final byte MAGIC = (byte) 0xC9;
    /** no entry is bigger than the largest frame JGroups' FRAG4 and our decoders accept */
    public static final int MAX_BYTES = 8 << 20;
    private static final int MAX_CERTIFICATES = 8;
    private static final int MAX_CERTIFICATE_BYTES = 16 << 10;
    static final int MAX_SIGNATURE_BYTES = 1024;

    /** what an author says about itself: its certificate chain (its own first) and the CAs it trusts, DER */
    public record Identity(List<byte[]> chain, List<byte[]> authorities) {
        public static final Identity NONE = new Identity(List.of(), List.of());

        public boolean isEmpty() {
            return chain.isEmpty() && authorities.isEmpty();
        }
    }

    /** signs an entry with the author's key */
    @FunctionalInterface
    public interface Signer {
        byte[] sign(byte[] buf, int offset, int length);
    }

    private LogBatch() {
    }

    /** the entry: each envelope is encoded straight into it (no copy of its own first), then signed */
    public static Slice encode(String author, long session, long number, Identity identity, List<Envelope> envelopes,
                               Signer signer) {
        byte[] name = author.getBytes(StandardCharsets.UTF_8);
        int hint = 1 + 2 + name.length + 8 + 8 + 2 + 2 + 4 + 2 + 80;
        for (byte[] c : identity.chain()) {
            hint += 4 + c.length;
        }
        for (byte[] c : identity.authorities()) {
            hint += 4 + c.length;
        }
        for (Envelope e : envelopes) {
            hint += 4 + WireFormat.sizeHint(e);
        }
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(hint, true); // geometric growth beyond the hint
        out.writeByte(MAGIC);
        out.writeShort(name.length);
        out.write(name);
        out.writeLong(session);
        out.writeLong(number);
        writeAll(out, identity.chain());
        writeAll(out, identity.authorities());
        out.writeInt(envelopes.size());
        for (Envelope e : envelopes) {
            int at = out.position();
            out.writeInt(0); // its length, filled in below
            WireFormat.write(out, e);
            ByteBuffer.wrap(out.buffer()).putInt(at, out.position() - at - Integer.BYTES);
        }
        byte[] signature = signer.sign(out.buffer(), 0, out.position());
        out.writeShort(signature.length);
        out.write(signature);
        return new Slice(out.buffer(), 0, out.position());
    }

    static void writeAll(ByteArrayDataOutputStream out, List<byte[]> ders) {
        out.writeShort(ders.size());
        for (byte[] d : ders) {
            out.writeInt(d.length);
            out.write(d);
        }
    }

    /**
     * The envelopes are views into {@code buf}: decode each with {@link WireFormat#decode}. The signature covers
     * {@code signedLength} bytes from the entry's offset.
     */
    public record View(String author, long session, long number, Identity identity, int[] offsets, int[] lengths,
                       int signedLength, byte[] signature) {
    }

    public static View decode(byte[] buf, int offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, offset, length);
        try {
            if (b.get() != MAGIC) {
                throw new IOException("not a signed Cutover log entry (bad magic byte)");
            }
            int nameLength = Short.toUnsignedInt(b.getShort());
            if (nameLength > b.remaining()) {
                throw new IOException("author name of " + nameLength + " bytes exceeds the entry");
            }
            String author = new String(buf, b.position(), nameLength, StandardCharsets.UTF_8);
            b.position(b.position() + nameLength);
            long session = b.getLong();
            long number = b.getLong();
            Identity identity = new Identity(readAll(b, "certificate"), readAll(b, "CA"));
            int count = b.getInt();
            // every envelope takes at least its 4-byte length and 2 bytes: a count beyond that is a lie
            if (count < 0 || count > b.remaining() / 6) {
                throw new IOException("envelope count " + count + " is out of range");
            }
            int[] offsets = new int[count];
            int[] lengths = new int[count];
            for (int i = 0; i < count; i++) {
                int n = b.getInt();
                if (n < 2 || n > b.remaining()) {
                    throw new IOException("envelope " + i + " of " + n + " bytes exceeds the entry");
                }
                offsets[i] = b.position();
                lengths[i] = n;
                b.position(b.position() + n);
            }
            int signedLength = b.position() - offset;
            int signatureLength = Short.toUnsignedInt(b.getShort());
            if (signatureLength == 0 || signatureLength > MAX_SIGNATURE_BYTES || signatureLength != b.remaining()) {
                throw new IOException("signature of " + signatureLength + " bytes where " + b.remaining()
                        + " remain");
            }
            byte[] signature = new byte[signatureLength];
            b.get(signature);
            return new View(author, session, number, identity, offsets, lengths, signedLength, signature);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("log entry truncated", e);
        }
    }

    static List<byte[]> readAll(ByteBuffer b, String what) throws IOException {
        int n = Short.toUnsignedInt(b.getShort());
        if (n > MAX_CERTIFICATES) {
            throw new IOException(n + " " + what + "s in one entry, at most " + MAX_CERTIFICATES);
        }
        List<byte[]> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = b.getInt();
            if (len < 1 || len > MAX_CERTIFICATE_BYTES || len > b.remaining()) {
                throw new IOException(what + " of " + len + " bytes is out of range");
            }
            byte[] der = new byte[len];
            b.get(der);
            list.add(der);
        }
        return List.copyOf(list);
    }

    /** for tests: the envelopes as copies */
    public static List<byte[]> envelopes(byte[] buf, View v) {
        List<byte[]> list = new ArrayList<>(v.offsets().length);
        for (int i = 0; i < v.offsets().length; i++) {
            list.add(java.util.Arrays.copyOfRange(buf, v.offsets()[i], v.offsets()[i] + v.lengths()[i]));
        }
        return list;
    }
}
