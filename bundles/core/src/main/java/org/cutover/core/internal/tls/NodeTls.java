package org.cutover.core.internal.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jgroups.JChannel;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TP;
import org.jgroups.util.TLS;
import org.jgroups.util.TLSClientAuth;

/**
 * The node's {@link NodeCertificate} at work: its key signs the node's log entries ({@link #sign},
 * {@link #identity}), and it secures the JGroups TCP transport with mutual TLS ({@link #secure}): every connection,
 * discovery and failure detection included, is a TLS 1.3 session in which both ends showed a certificate of a
 * CA the other trusts; a peer without one is dropped in the handshake, before JGroups reads a byte of it.
 * <p>
 * The files are read again when they change (checked every {@link #pollInterval}), so a running node takes a
 * re-issued certificate or a new set of CAs without a restart: new handshakes use them at once, and when a CA is
 * dropped the node closes its connections, so every peer shows its certificate again (JGroups retransmits what
 * was in flight). Files that do not load (half copied, another node's) are logged and the node keeps what it has.
 */
public final class NodeTls {

    /** how often a running node looks at its files; rotation steps wait this long on every node */
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(10);

    private static final System.Logger LOG = System.getLogger(NodeTls.class.getName());
    private static final String ALIAS = "node";
    /** above JSSE's 7-day limit for session tickets: the node's server never hands one out */
    private static final int NO_TICKETS_SECONDS = 7 * 24 * 3600 + 1;

    private final Path dir;
    private final String nodeName;
    private final Duration pollInterval;
    private volatile NodeCertificate current;
    private final KnownSignatures known = new KnownSignatures();
    private final UnicastMacs macs = new UnicastMacs(() -> (UnicastMacs.Own) signingKey()[3], () -> this.revoked);
    /** the certificate and the key {@link #sign} signs with for it */
    private volatile Object[] signingKey;
    /** {@link #identity()} of {@link #identityOf} */
    private volatile org.cutover.core.internal.wire.LogBatch.Identity identity;
    private volatile NodeCertificate identityOf;
    private volatile X509ExtendedTrustManager trust;
    private List<Object> stamp;
    /** the cluster's revoked certificates (SHA-256 of the DER, hex), as this node has applied them */
    private volatile Set<String> revoked = Set.of();
    private volatile TCP transport;

    private NodeTls(Path dir, String nodeName, Duration pollInterval, NodeCertificate first) throws IOException {
        this.dir = dir;
        this.nodeName = nodeName;
        this.pollInterval = pollInterval;
        this.stamp = stamp();
        use(first);
    }

    /** @throws IOException when the node's files are missing or do not make a valid identity (see NodeCertificate) */
    public static NodeTls load(Path dir, String nodeName, Duration pollInterval) throws IOException {
        return new NodeTls(dir, nodeName, pollInterval, NodeCertificate.load(dir, nodeName));
    }

    public NodeCertificate certificate() {
        return current;
    }

    /**
     * Puts this identity into the channel's TCP before it connects. The stack file must ask for TLS with client
     * authentication itself ({@code tls.enabled="true" tls.client_auth="NEED"}): a stack without it is refused
     * rather than silently run in the clear.
     */
    public JChannel secure(JChannel channel) {
        TP transport = channel.getProtocolStack().getTransport();
        if (!(transport instanceof TCP tcp)) {
            throw new IllegalStateException("the stack's transport is " + transport.getName()
                    + ": Cutover's node identity is mutual TLS, which JGroups has on TCP only");
        }
        TLS tls = tcp.tls();
        if (!tls.enabled() || tls.getClientAuth() != TLSClientAuth.NEED) {
            throw new IllegalStateException("the stack's TCP must authenticate every peer: set tls.enabled=\"true\""
                    + " and tls.client_auth=\"NEED\" on TCP in the stack file (they are " + tls.enabled() + " and "
                    + tls.getClientAuth() + ")");
        }
        tls.setSSLContext(context());
        this.transport = tcp;
        long ms = pollInterval.toMillis();
        tcp.getTimer().scheduleWithFixedDelay(() -> poll(tcp), ms, ms, TimeUnit.MILLISECONDS, false);
        return channel;
    }

    /** signs the node's direct messages with the key of its certificate as it is now */
    public byte[] sign(byte[] buf, int offset, int length) {
        Object[] k = signingKey();
        try {
            return EntryVerifier.sign(k[1], buf, offset, length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("node " + nodeName + " cannot sign with its key: " + e.getMessage(), e);
        }
    }

    /**
     * Signs one of the node's log entries, as {@link #sign}, and remembers the signature in {@link #known} with
     * the chain it was made under (the key and the chain of one certificate, read once).
     */
    public byte[] signEntry(byte[] buf, int offset, int length) {
        Object[] k = signingKey();
        try {
            byte[] signature = EntryVerifier.sign(k[1], buf, offset, length);
            known.add((String) k[2], buf, offset, length, signature);
            return signature;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("node " + nodeName + " cannot sign with its key: " + e.getMessage(), e);
        }
    }

    /** the keys of the MACs on this node's unicasts, one per peer, from its certificate's key as it is now */
    public UnicastMacs macs() {
        return macs;
    }

    /** the signatures of this node's own entries, for the check where they are applied */
    public KnownSignatures known() {
        return known;
    }

    /** {certificate, its signing key, the fingerprint of its chain as entries carry it, the key for MACs} */
    private Object[] signingKey() {
        NodeCertificate c = current;
        Object[] k = signingKey;
        if (k == null || k[0] != c) {
            try {
                Object key = EntryVerifier.signingKey(c.key());
                k = new Object[] {c, key, EntryVerifier.fingerprint(ders(List.of(c.chain()))),
                        new UnicastMacs.Own(key, fingerprintOf(c.certificate()))};
            } catch (IOException | java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException("node " + nodeName + " cannot sign with its key: " + e.getMessage(),
                        e);
            }
            signingKey = k;
        }
        return k;
    }

    private static List<byte[]> ders(Iterable<X509Certificate> certificates)
            throws java.security.cert.CertificateEncodingException {
        List<byte[]> ders = new ArrayList<>();
        for (X509Certificate x : certificates) {
            ders.add(x.getEncoded());
        }
        return List.copyOf(ders);
    }

    /** what the node's entries say about it until the cluster state holds it: its chain and the CAs it trusts */
    public org.cutover.core.internal.wire.LogBatch.Identity identity() {
        NodeCertificate c = current;
        org.cutover.core.internal.wire.LogBatch.Identity id = identity;
        if (id == null || identityOf != c) {
            try {
                id = new org.cutover.core.internal.wire.LogBatch.Identity(ders(List.of(c.chain())), ders(c.authorities()));
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
            identity = id;
            identityOf = c;
        }
        return id;
    }

    /** the TLS context the node's transport uses: its key and chain, and the CAs it trusts, as they are now */
    public SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(new KeyManager[] {new Keys()}, new TrustManager[] {new Trust()}, null);
            // no session resumption: a resumed TLS 1.3 session skips the certificate check, so a peer whose CA was
            // dropped came back in with a ticket of before (CertificateRotationTest). JSSE sends no ticket when the
            // server's session time-out exceeds 7 days; connections between nodes live long, a full handshake is
            // about a millisecond
            context.getServerSessionContext().setSessionTimeout(NO_TICKETS_SECONDS);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no TLS 1.3: " + e.getMessage(), e);
        }
    }

    /**
     * The revoked certificates, each time the cluster state's list changes. A handshake with one of them fails from
     * now on; when the list grew, every connection closes, so each peer shows its certificate again (the revoked
     * one cannot). A node that has not applied the revocation yet accepts it until it does.
     */
    public void revoked(Set<String> fingerprints) {
        Set<String> before = revoked;
        revoked = Set.copyOf(fingerprints);
        if (before.containsAll(fingerprints)) {
            return;
        }
        String mine = fingerprintOf(current.certificate());
        if (fingerprints.contains(mine)) {
            LOG.log(System.Logger.Level.ERROR, "the cluster revoked this node's certificate " + describe(current)
                    + " (SHA-256 " + mine + "): no node accepts it any more. Issue a new one (bin/cutover-certs node)"
                    + " into " + dir + "; the node takes it within " + pollInterval.toSeconds() + " s");
        }
        TCP tcp = transport;
        if (tcp != null) {
            // not on the log's applier thread, which called: closing connections takes locks of the transport
            tcp.getTimer().execute(tcp::clearConnections);
        }
    }

    private void refuseRevoked(X509Certificate[] chain) throws CertificateException {
        Set<String> r = revoked;
        if (!r.isEmpty() && chain != null && chain.length > 0 && r.contains(fingerprintOf(chain[0]))) {
            throw new CertificateException("the certificate of " + chain[0].getSubjectX500Principal().getName()
                    + " (serial " + chain[0].getSerialNumber().toString(16) + ") is revoked by the cluster");
        }
    }

    /** what the cluster names a certificate by: the SHA-256 of its DER encoding, hex */
    public static String fingerprintOf(X509Certificate certificate) {
        try {
            return EntryVerifier.fingerprint(List.of(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate that cannot be encoded: " + e.getMessage(), e);
        }
    }

    private void poll(TCP tcp) {
        try {
            if (reloadIfChanged()) {
                // a dropped CA: the sessions its certificates opened end (no session is ever resumed, see
                // context()), so every peer shows its certificate again
                tcp.clearConnections();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "checking the TLS files of " + nodeName + " in " + dir + " failed", e);
        }
    }

    /**
     * Reads the files again if they changed since the last look.
     *
     * @return true when a CA the node trusted is no longer trusted (its peers' sessions must be checked again)
     */
    synchronized boolean reloadIfChanged() {
        List<Object> now = stamp();
        if (now.equals(stamp)) {
            return false;
        }
        NodeCertificate next;
        try {
            next = NodeCertificate.load(dir, nodeName);
        } catch (IOException e) {
            // keep the stamp: the files are looked at again at the next poll (a key that follows its certificate)
            LOG.log(System.Logger.Level.WARNING, "the TLS files of node " + nodeName + " changed but do not load,"
                    + " the node keeps its certificate " + describe(current) + ": " + e.getMessage());
            return false;
        }
        stamp = now;
        Set<X509Certificate> before = new HashSet<>(current.authorities());
        use(next);
        LOG.log(System.Logger.Level.INFO, "node " + nodeName + " now uses " + describe(next));
        return !new HashSet<>(next.authorities()).containsAll(before);
    }

    private void use(NodeCertificate certificate) {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (X509Certificate ca : certificate.authorities()) {
                anchors.setCertificateEntry("ca" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(anchors);
            X509ExtendedTrustManager pkix = null;
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    pkix = x;
                }
            }
            if (pkix == null) {
                throw new IllegalStateException("this JVM's PKIX trust manager factory made no X509 trust manager");
            }
            this.trust = pkix;
            this.current = certificate;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot trust the CAs of " + dir + ": " + e.getMessage(), e);
        }
    }

    private List<Object> stamp() {
        List<Object> s = new ArrayList<>();
        for (String f : List.of(NodeCertificate.TRUST_FILE, NodeCertificate.CERTIFICATE_FILE,
                NodeCertificate.KEY_FILE)) {
            Path p = dir.resolve(f);
            try {
                s.add(Files.getLastModifiedTime(p).toMillis());
                s.add(Files.size(p));
            } catch (IOException gone) {
                s.add(-1L);
            }
        }
        return s;
    }

    /** for the log: whose certificate, of which CA, until when, and which CAs the node trusts */
    public static String describe(NodeCertificate c) {
        X509Certificate x = c.certificate();
        return "'" + c.name() + "' of " + x.getIssuerX500Principal().getName() + " (serial "
                + x.getSerialNumber().toString(16) + ", valid until " + x.getNotAfter().toInstant() + "), trusting "
                + c.authorities().stream().map(a -> a.getSubjectX500Principal().getName()).toList();
    }

    /** the node's one key and chain, as they are now; JSSE asks for the alias's chain and key separately */
    private final class Keys extends X509ExtendedKeyManager {

        private String alias(String keyType) {
            return keyType != null && keyType.equals(current.key().getAlgorithm()) ? ALIAS : null;
        }

        private String alias(String[] keyTypes) {
            if (keyTypes != null) {
                for (String t : keyTypes) {
                    if (alias(t) != null) {
                        return ALIAS;
                    }
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return alias(keyType) == null ? null : new String[] {ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return alias(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return alias(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? current.chain() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? current.key() : null;
        }
    }

    /** PKIX against the CAs the node trusts now; no host names: a cluster CA signs node certificates only */
    private final class Trust extends X509ExtendedTrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            refuseRevoked(chain);
            trust.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            refuseRevoked(chain);
            trust.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            refuseRevoked(chain);
            trust.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            refuseRevoked(chain);
            trust.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            refuseRevoked(chain);
            trust.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            refuseRevoked(chain);
            trust.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust.getAcceptedIssuers();
        }
    }
}
