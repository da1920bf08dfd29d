package org.cutover.core.internal.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A node's identity as read from its TLS folder (bin/cutover-certs writes it): the CAs it trusts
 * ({@code ca.crt}, one or more), its certificate ({@code node.crt}) and key ({@code node.key}, PKCS#8 PEM,
 * readable by its owner only). Loading checks what a node must never start without: a key that belongs to the
 * certificate, a certificate whose common name is the node's name, signed by one of the trusted CAs and valid now.
 */
public final class NodeCertificate {

    public static final String TRUST_FILE = "ca.crt";
    public static final String CERTIFICATE_FILE = "node.crt";
    public static final String KEY_FILE = "node.key";

    private final String name;
    private final PrivateKey key;
    private final X509Certificate[] chain;
    private final List<X509Certificate> authorities;

    private NodeCertificate(String name, PrivateKey key, X509Certificate[] chain, List<X509Certificate> authorities) {
        this.name = name;
        this.key = key;
        this.chain = chain;
        this.authorities = authorities;
    }

    public String name() {
        return name;
    }

    PrivateKey key() {
        return key;
    }

    X509Certificate[] chain() {
        return chain.clone();
    }

    public X509Certificate certificate() {
        return chain[0];
    }

    /** the CAs this node trusts: a peer must hold a certificate one of them signed */
    public List<X509Certificate> authorities() {
        return authorities;
    }

    /**
     * @throws IOException with what is wrong and how to mend it: a file missing, a key others may read, a key of
     *         another certificate, a certificate of another name, of another CA, or out of its validity
     */
    public static NodeCertificate load(Path dir, String nodeName) throws IOException {
        Path trust = dir.resolve(TRUST_FILE);
        Path cert = dir.resolve(CERTIFICATE_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        for (Path p : List.of(trust, cert, keyFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException("node " + nodeName + " has no " + p + ": a node joins only with a certificate"
                        + " of the cluster's CA; make one with bin/cutover-certs node CA_DIR " + nodeName + " " + dir);
            }
        }
        requireOwnerOnly(keyFile);
        List<X509Certificate> authorities = certificates(trust);
        List<X509Certificate> chain = certificates(cert);
        if (authorities.isEmpty() || chain.isEmpty()) {
            throw new IOException("no certificate in " + (authorities.isEmpty() ? trust : cert));
        }
        for (X509Certificate ca : authorities) {
            if (ca.getBasicConstraints() < 0) {
                throw new IOException(trust + " holds " + ca.getSubjectX500Principal() + ", which is no CA");
            }
        }
        X509Certificate own = chain.get(0);
        String cn = commonName(own);
        if (!nodeName.equals(cn)) {
            throw new IOException(cert + " is the certificate of '" + cn + "', not of this node '" + nodeName
                    + "': a node's certificate carries its name (node.name) as its common name");
        }
        PrivateKey key = privateKey(keyFile, own.getPublicKey().getAlgorithm());
        requireKeyOf(own, key, keyFile, cert);
        requireSignedBy(chain, authorities, cert, trust);
        return new NodeCertificate(nodeName, key, chain.toArray(X509Certificate[]::new), List.copyOf(authorities));
    }

    /** a key others on the machine may read is no secret: the node refuses it rather than use it */
    static void requireOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException notPosix) {
            return; // the file system has no POSIX permissions; the folder's must do
        }
        Set<PosixFilePermission> others = EnumSet.copyOf(perms);
        others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (!others.isEmpty()) {
            throw new IOException("the key file " + file + " is open to group or others ("
                    + PosixFilePermissions.toString(perms) + "); make it readable by its owner only: chmod 600 "
                    + file);
        }
    }

    static List<X509Certificate> certificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> list = new ArrayList<>();
            CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .forEach(c -> list.add((X509Certificate) c));
            return list;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " holds no readable PEM certificate: " + e.getMessage(), e);
        }
    }

    static String commonName(X509Certificate cert) throws IOException {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            throw new IOException("unreadable subject " + cert.getSubjectX500Principal(), e);
        }
        return "";
    }

    private static PrivateKey privateKey(Path file, String algorithm) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(file + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----);"
                    + " bin/cutover-certs writes one, openssl pkcs8 -topk8 -nocrypt converts others");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + " holds no " + algorithm + " key: " + e.getMessage(), e);
        }
    }

    /** the key signs, the certificate's public key verifies: the pair belongs together */
    private static void requireKeyOf(X509Certificate cert, PrivateKey key, Path keyFile, Path certFile)
            throws IOException {
        String algorithm = EntryVerifier.algorithm(key);
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new IOException(keyFile + " is not the key of " + certFile);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(keyFile + " is not the key of " + certFile + ": " + e.getMessage(), e);
        }
    }

    private static void requireSignedBy(List<X509Certificate> chain, List<X509Certificate> authorities,
                                        Path certFile, Path trustFile) throws IOException {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            authorities.forEach(ca -> anchors.add(new TrustAnchor(ca, null)));
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + " is not a valid certificate of a CA in " + trustFile + ": "
                    + e.getMessage(), e);
        }
    }
}
