package org.cutover.core.internal.tls;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.cutover.core.internal.wire.LogBatch;

/**
 * MACs for the unicasts between two nodes, in place of Ed25519 signatures. An adjust waits for every node's
 * confirmation, and with signatures the asker checked them one after the other (87 µs each; ~0.35× of the bare
 * log round trip, measured by taking them out). A unicast is read only by the node it is for, so a MAC under a
 * key only the two nodes hold proves its sender as well, in 1.6 µs (HMAC-SHA256 of a 120-byte unicast, measured
 * here).
 *
 * <p>The key needs no message: each node turns its certificate's Ed25519 key into an X25519 key (the birational
 * map of RFC 7748 section 4.1, what libsodium's {@code crypto_sign_ed25519_*_to_curve25519} do), and X25519 of its
 * private key and the other node's public key gives both the same secret, hashed with both public keys (HKDF-SHA256)
 * into the pair's key. So it changes exactly when either certificate does, and a third node, holding a valid
 * certificate of its own, cannot compute it. What binds a MAC to its sender and receiver and what stops it being
 * replayed are the bytes it covers, the same as the signature's ({@code SignedUnicast}). Keys that are not Ed25519
 * (a certificate from another CA tool) have no pair key: those unicasts stay signed.
 */
public final class UnicastMacs {

    public static final int MAC_BYTES = 32;

    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final byte[] LABEL = "cutover unicast MAC v1".getBytes(StandardCharsets.US_ASCII);
    /** peers' certificates seen: a cluster's nodes and their re-issued certificates; past this, computed again */
    private static final int LIMIT = 1024;

    /** this node's key and certificate as they are now */
    private final Supplier<Own> own;
    /** the cluster's revoked certificates (SHA-256 of the DER, hex): a revoked own key checks no MAC */
    private final Supplier<Set<String>> revoked;
    private volatile Keys current = new Keys(null);
    /** the keys under this node's previous certificate: peers that have not seen the new one yet use them */
    private volatile Keys previous = new Keys(null);

    /**
     * A node's signing key (Bouncy Castle's Ed25519, or a JDK key: then no MACs) and the fingerprint of its
     * certificate (SHA-256 of the DER, hex, as revocations name it).
     */
    public record Own(Object key, String fingerprint) {
    }

    /** pair keys under one own key, by the peer's leaf certificate (DER) */
    private record Keys(Own own, Map<ByteBuffer, byte[]> byPeer) {
        Keys(Own own) {
            this(own, new ConcurrentHashMap<>());
        }
    }

    public UnicastMacs(Supplier<Own> own, Supplier<Set<String>> revoked) {
        this.own = own;
        this.revoked = revoked;
    }

    /** what MACs unicasts for the node of {@code peerChain}; null when the pair has no key (then sign) */
    public LogBatch.Signer macFor(List<byte[]> peerChain) {
        byte[] key = keyFor(keys(), peerChain);
        return key == null ? null : (buf, offset, length) -> mac(key, buf, offset, length);
    }

    /**
     * true when {@code mac} is that of the bytes under the pair's key, with this node's current or previous key,
     * unless the cluster revoked that key's certificate. Whoever holds a node's key can compute that node's key
     * with every peer, so after a leak the old key must check nothing: a revoked one does not.
     */
    public boolean matches(List<byte[]> peerChain, byte[] buf, int offset, int length, byte[] mac) {
        Set<String> r = revoked.get();
        return matchesUnder(keys(), r, peerChain, buf, offset, length, mac)
                || matchesUnder(previous, r, peerChain, buf, offset, length, mac);
    }

    private static boolean matchesUnder(Keys k, Set<String> revoked, List<byte[]> peerChain, byte[] buf,
                                        int offset, int length, byte[] mac) {
        if (k.own() == null || revoked.contains(k.own().fingerprint())) {
            return false;
        }
        byte[] key = keyFor(k, peerChain);
        return key != null && MessageDigest.isEqual(mac(key, buf, offset, length), mac);
    }

    private Keys keys() {
        Own now = own.get();
        Keys k = current;
        if (k.own() != now) {
            synchronized (this) {
                k = current;
                if (k.own() != now) {
                    previous = k;
                    k = new Keys(now);
                    current = k;
                }
            }
        }
        return k;
    }

    private static byte[] keyFor(Keys k, List<byte[]> peerChain) {
        if (k.own() == null || !(k.own().key() instanceof Ed25519PrivateKeyParameters own) || peerChain.isEmpty()) {
            return null;
        }
        ByteBuffer leaf = ByteBuffer.wrap(peerChain.get(0));
        byte[] key = k.byPeer().get(leaf);
        if (key == null) {
            try {
                AsymmetricKeyParameter peer = PublicKeyFactory.createKey(
                        EntryVerifier.certificate(peerChain.get(0)).getPublicKey().getEncoded());
                if (!(peer instanceof Ed25519PublicKeyParameters ed)) {
                    return null;
                }
                key = pairKey(own, ed);
            } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
                return null;
            }
            if (k.byPeer().size() >= LIMIT) {
                k.byPeer().clear();
            }
            k.byPeer().put(leaf, key);
        }
        return key;
    }

    /** the key both nodes compute: HKDF-SHA256 of X25519(mine, theirs), bound to both public keys */
    static byte[] pairKey(Ed25519PrivateKeyParameters mine, Ed25519PublicKeyParameters theirs) {
        byte[] myPublic = x25519Public(mine.generatePublicKey());
        byte[] theirPublic = x25519Public(theirs);
        byte[] shared = new byte[X25519.POINT_SIZE];
        if (!X25519.calculateAgreement(x25519Private(mine), 0, theirPublic, 0, shared, 0)) {
            throw new IllegalArgumentException("the peer's key is of low order");
        }
        List<byte[]> both = new ArrayList<>(List.of(myPublic, theirPublic));
        both.sort(Arrays::compareUnsigned);
        byte[] info = new byte[LABEL.length + 2 * X25519.POINT_SIZE];
        System.arraycopy(LABEL, 0, info, 0, LABEL.length);
        System.arraycopy(both.get(0), 0, info, LABEL.length, X25519.POINT_SIZE);
        System.arraycopy(both.get(1), 0, info, LABEL.length + X25519.POINT_SIZE, X25519.POINT_SIZE);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(shared, null, info));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    /** RFC 8032's secret scalar: the first half of SHA-512 of the seed (X25519 clamps it itself) */
    static byte[] x25519Private(Ed25519PrivateKeyParameters key) {
        byte[] seed = key.getEncoded();
        SHA512Digest sha = new SHA512Digest();
        sha.update(seed, 0, seed.length);
        byte[] h = new byte[64];
        sha.doFinal(h, 0);
        return Arrays.copyOf(h, X25519.SCALAR_SIZE);
    }

    /** the Montgomery u of an Edwards point: u = (1 + y) / (1 - y) mod p (RFC 7748, section 4.1) */
    static byte[] x25519Public(Ed25519PublicKeyParameters key) {
        byte[] le = key.getEncoded();
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        be[0] &= 0x7f; // the sign of x
        BigInteger y = new BigInteger(1, be);
        BigInteger oneMinusY = BigInteger.ONE.subtract(y).mod(P);
        if (y.compareTo(P) >= 0 || oneMinusY.signum() == 0) {
            throw new IllegalArgumentException("not an Ed25519 public key of a usable point");
        }
        BigInteger u = BigInteger.ONE.add(y).multiply(oneMinusY.modInverse(P)).mod(P);
        byte[] out = new byte[X25519.POINT_SIZE];
        byte[] ub = u.toByteArray();
        for (int i = 0; i < ub.length && i < out.length; i++) {
            out[i] = ub[ub.length - 1 - i];
        }
        return out;
    }

    static byte[] mac(byte[] key, byte[] buf, int offset, int length) {
        HMac h = new HMac(new SHA256Digest());
        h.init(new KeyParameter(key));
        h.update(buf, offset, length);
        byte[] out = new byte[MAC_BYTES];
        h.doFinal(out, 0);
        return out;
    }
}
