package org.cutover.core.internal.tls;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
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

    /** @return null when {@code chain} is a certificate of {@code author} from one of {@code trust}, else why not */
    public String chainRefusal(String author, List<byte[]> chain, List<byte[]> trust) {
        if (chain.isEmpty()) {
            return "node " + author + " has no certificate in the cluster state (its first entry carries it)";
        }
        if (trust.isEmpty()) {
            return "the cluster trusts no CA yet (a majority of the nodes that announced their CAs must share one)";
        }
        String key = fingerprint(chain) + "/" + fingerprint(trust) + "/" + author;
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
            X509Certificate leaf = certificate(chain.get(0));
            Signature s = Signature.getInstance(algorithm(leaf.getPublicKey()));
            s.initVerify(leaf.getPublicKey());
            s.update(buf, offset, length);
            return s.verify(signature) ? null : "the signature is not that of the author's certificate";
        } catch (GeneralSecurityException | RuntimeException e) {
            return "the signature cannot be checked: " + e.getMessage();
        }
    }

    /** the signature algorithm for a key of the node's certificate */
    public static String algorithm(Key key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
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
