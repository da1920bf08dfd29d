package org.cutover.core.internal.tls;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Who wrote a log entry, decided alike on every node and on every replay: the answer depends only on the entry's
 * bytes and the replicated state (the author's recorded certificate chain, the CAs the cluster trusts), never on
 * a node's own files or clock. A chain is checked against the trusted CAs at its own certificate's start of
 * validity: a replay months later, past its expiry, decides as the first apply did.
 */
public final class EntryVerifier {

    private static final int CACHE = 256;

    /** chain check results by (chain, trust, author); a chain is checked once, not per entry */
    private final Map<String, String> chainChecks = lru();
    /** fingerprints by list object: the replicated state's lists are the same objects entry after entry */
    private final Map<List<byte[]>, String> printsOf = new java.util.IdentityHashMap<>();
    /** the public keys of leaf certificates by their chain's fingerprint */
    private final Map<String, AsymmetricKeyParameter> keys = lru();
    private final KnownSignatures known;

    /** @param known signatures good without a check (this node's own); none for a node's direct messages */
    public EntryVerifier(KnownSignatures known) {
        this.known = known;
    }

    public EntryVerifier() {
        this(new KnownSignatures());
    }

    /** @return null when {@code chain} is a certificate of {@code author} from one of {@code trust}, else why not */
    public String chainRefusal(String author, List<byte[]> chain, List<byte[]> trust) {
        if (chain.isEmpty()) {
            return "node " + author + " has no certificate in the cluster state (its first entry carries it)";
        }
        if (trust.isEmpty()) {
            return "the cluster trusts no CA yet (a majority of the nodes that announced their CAs must share one)";
        }
        String key = prints(chain) + "/" + prints(trust) + "/" + author;
        String cached = chainChecks.get(key);
        if (cached != null) {
            return cached.isEmpty() ? null : cached;
        }
        String why = checkChain(author, chain, trust);
        chainChecks.put(key, why == null ? "" : why);
        return why;
    }

    /** @return null when {@code signature} is the leaf certificate's key's signature of the bytes, else why not */
    public String signatureRefusal(List<byte[]> chain, byte[] buf, int offset, int length, byte[] signature) {
        try {
            String print = prints(chain);
            return known.checkApplied(print, buf, offset, length, signature,
                    (b, o, l) -> verify(chain, print, digest(b, o, l), signature)) ? null
                    : "the signature is not that of the author's certificate";
        } catch (Exception e) {
            return "the signature cannot be checked: " + e.getMessage();
        }
    }

    /** checks ahead of {@link #signatureRefusal}: a good signature becomes known, a bad one does not */
    public void remember(List<byte[]> chain, byte[] buf, int offset, int length, byte[] signature) {
        try {
            String print = prints(chain);
            known.checkAhead(print, buf, offset, length, signature,
                    (b, o, l) -> verify(chain, print, digest(b, o, l), signature));
        } catch (RuntimeException e) {
            // decided where it is applied
        }
    }

    private boolean verify(List<byte[]> chain, String print, byte[] digest, byte[] signature)
            throws GeneralSecurityException, java.io.IOException {
        AsymmetricKeyParameter key = keys.get(print);
        if (key == null) {
            key = PublicKeyFactory.createKey(certificate(chain.get(0)).getPublicKey().getEncoded());
            keys.put(print, key);
        }
        if (key instanceof Ed25519PublicKeyParameters ed) {
            Ed25519Signer s = new Ed25519Signer();
            s.init(false, ed);
            s.update(digest, 0, digest.length);
            return s.verifySignature(signature);
        }
        java.security.PublicKey jdk = certificate(chain.get(0)).getPublicKey();
        Signature s = Signature.getInstance(algorithm(jdk));
        s.initVerify(jdk);
        s.update(digest);
        return s.verify(signature);
    }

    /**
     * Signs with a node's key. Ed25519, the key bin/cutover-certs makes, is Bouncy Castle's: 39 µs to sign and
     * 87 µs to verify here, against 500/500 µs with the JDK 17's own Ed25519 and 520/980 µs with its ECDSA P-256;
     * every node checks every entry, so with 3 nodes an ECDSA entry cost 3.4 ms of CPU (an adjust went from
     * about 1.2 to 8.8 ms p50 in one JVM). Other keys sign with the JDK.
     */
    static byte[] sign(Object signingKey, byte[] buf, int offset, int length) throws GeneralSecurityException {
        byte[] digest = digest(buf, offset, length);
        if (signingKey instanceof Ed25519PrivateKeyParameters ed) {
            Ed25519Signer s = new Ed25519Signer();
            s.init(true, ed);
            s.update(digest, 0, digest.length);
            return s.generateSignature();
        }
        PrivateKey key = (PrivateKey) signingKey;
        Signature s = Signature.getInstance(algorithm(key));
        s.initSign(key);
        s.update(digest);
        return s.sign();
    }

    /**
     * What is signed: the SHA-256 of the entry, not the entry. Ed25519 hashes its message twice to sign and once
     * to verify, in Bouncy Castle's Java SHA-512: a 64 KB batch took 808 µs to sign and 777 µs to verify here,
     * and group messages at full speed fell to a third (119k to 40k msgs/s at 1 KB in one 3-node JVM). The
     * JDK's SHA-256 takes 71 µs for 64 KB, once per side.
     */
    static byte[] digest(byte[] buf, int offset, int length) throws GeneralSecurityException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(buf, offset, length);
        return md.digest();
    }

    /** what {@link #sign} signs with: Bouncy Castle's form of an Ed25519 key, else the JDK's key */
    static Object signingKey(PrivateKey key) throws java.io.IOException {
        AsymmetricKeyParameter bc = PrivateKeyFactory.createKey(key.getEncoded());
        return bc instanceof Ed25519PrivateKeyParameters ? bc : key;
    }

    /** the JDK's signature algorithm for a key of a node's certificate */
    public static String algorithm(Key key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm(); // EdDSA
        };
    }

    private static String checkChain(String author, List<byte[]> chainDer, List<byte[]> trustDer) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (byte[] der : chainDer) {
                chain.add(certificate(der));
            }
            X509Certificate leaf = chain.get(0);
            String cn = NodeCertificate.commonName(leaf);
            if (!author.equals(cn)) {
                return "the certificate is of '" + cn + "', not of the author '" + author + "'";
            }
            Set<TrustAnchor> anchors = new HashSet<>();
            for (byte[] der : trustDer) {
                anchors.add(new TrustAnchor(certificate(der), null));
            }
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(leaf.getNotBefore());
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
            return null;
        } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
            return "the certificate of " + author + " is not one of a CA the cluster trusts: " + e.getMessage();
        }
    }

    static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    /**
     * The cache key of a list of certificates: the same list object (the replicated state hands out the one it
     * holds) is hashed once, a new one (an entry that carries its chain) each time.
     */
    private String prints(List<byte[]> ders) {
        String print = printsOf.get(ders);
        if (print == null) {
            if (printsOf.size() >= CACHE) {
                printsOf.clear();
            }
            print = fingerprint(ders);
            printsOf.put(ders, print);
        }
        return print;
    }

    /** SHA-256 of the DER certificates in order, hex */
    public static String fingerprint(List<byte[]> ders) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] d : ders) {
                md.update(d);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > CACHE;
            }
        };
    }
}
