package org.cutover.core.internal.wire;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jgroups.util.ByteArrayDataOutputStream;

/**
 * A unicast beside the log (a confirmation, a reply, a joiner's state, forced voters), signed by the node that
 * sends it. The JGroups address a message names as its sender is whatever that sender wrote: TLS proves only that
 * the peer holds some certificate of the cluster, so without a signature any such node could confirm, reply or
 * hand a joiner its state in another node's name. The receiver's name is signed too, so a unicast cannot be
 * replayed to another node.
 *
 * <p>Layout: magic, sender and receiver (UTF-8, length-prefixed), the sender's certificate chain (count and DER
 * certificates; empty once the cluster state holds it), the envelope's length and {@link WireFormat} bytes, then
 * the signature's length and the signature over every byte before it. Between two nodes with Ed25519 keys the
 * signature is a MAC under their pair's key, marked by its own magic byte.
 */
public final class SignedUnicast {

    static final byte MAGIC = (byte) 0xCB;
    /** the same frame with a MAC under the pair's key in place of the signature ({@code UnicastMacs}) */
    static final byte MAGIC_MAC = (byte) 0xCC;

    /**
     * who sent it to whom, its chain if it carries one, where the envelope and the signed bytes are, and whether
     * {@code signature} is the pair's MAC rather than the sender's signature
     */
    public record View(String from, String to, List<byte[]> chain, int envelopeOffset, int envelopeLength,
                       int signedLength, byte[] signature, boolean mac) {
    }

    private SignedUnicast() {
    }

    public static byte[] encode(String from, String to, List<byte[]> chain, Envelope e, LogBatch.Signer signer) {
        return encode(MAGIC, from, to, chain, e, signer);
    }

    /** as {@link #encode}, with {@code mac} making the pair's MAC instead of a signature */
    public static byte[] encodeWithMac(String from, String to, List<byte[]> chain, Envelope e, LogBatch.Signer mac) {
        return encode(MAGIC_MAC, from, to, chain, e, mac);
    }

    private static byte[] encode(byte magic, String from, String to, List<byte[]> chain, Envelope e,
                                 LogBatch.Signer signer) {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(WireFormat.sizeHint(e) + 256, true);
        out.writeByte(magic);
        writeName(out, from);
        writeName(out, to);
        LogBatch.writeAll(out, chain);
        int at = out.position();
        out.writeInt(0);
        WireFormat.write(out, e);
        ByteBuffer.wrap(out.buffer()).putInt(at, out.position() - at - Integer.BYTES);
        byte[] signature = signer.sign(out.buffer(), 0, out.position());
        out.writeShort(signature.length);
        out.write(signature);
        return java.util.Arrays.copyOf(out.buffer(), out.position());
    }

    private static void writeName(ByteArrayDataOutputStream out, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    public static View decode(byte[] buf, int offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, offset, length);
        try {
            byte magic = b.get();
            if (magic != MAGIC && magic != MAGIC_MAC) {
                throw new IOException("not a signed Cutover unicast (bad magic byte)");
            }
            String from = readName(b);
            String to = readName(b);
            List<byte[]> chain = LogBatch.readAll(b, "certificate");
            int n = b.getInt();
            if (n < 2 || n > b.remaining()) {
                throw new IOException("an envelope of " + n + " bytes exceeds the unicast");
            }
            int envelopeOffset = b.position();
            b.position(envelopeOffset + n);
            int signedLength = b.position() - offset;
            int signatureLength = Short.toUnsignedInt(b.getShort());
            if (signatureLength == 0 || signatureLength > LogBatch.MAX_SIGNATURE_BYTES
                    || signatureLength != b.remaining()) {
                throw new IOException("signature of " + signatureLength + " bytes where " + b.remaining()
                        + " remain");
            }
            byte[] signature = new byte[signatureLength];
            b.get(signature);
            return new View(from, to, chain, envelopeOffset, n, signedLength, signature, magic == MAGIC_MAC);
        } catch (BufferUnderflowException e) {
            throw new IOException("unicast truncated", e);
        }
    }

    private static String readName(ByteBuffer b) throws IOException {
        int n = Short.toUnsignedInt(b.getShort());
        if (n > b.remaining()) {
            throw new IOException("a name of " + n + " bytes exceeds the unicast");
        }
        String name = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return name;
    }
}
