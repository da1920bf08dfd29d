package org.cutover.core.internal.tls;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.cutover.core.internal.testing.TestCertificates;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The pair keys of the unicasts' MACs: agreed without a message, known to the two nodes only. */
public class UnicastMacsTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final byte[] BYTES = "node2 confirms adjust 7 to node1".getBytes(StandardCharsets.UTF_8);

    @Test
    public void eachEd25519KeyTurnsIntoTheX25519KeyOfTheSamePointAndBothSidesAgree() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 50; i++) {
            Ed25519PrivateKeyParameters a = new Ed25519PrivateKeyParameters(random);
            Ed25519PrivateKeyParameters b = new Ed25519PrivateKeyParameters(random);
            byte[] fromPrivate = new byte[X25519.POINT_SIZE];
            X25519.scalarMultBase(UnicastMacs.x25519Private(a), 0, fromPrivate, 0);
            assertArrayEquals("key " + i, fromPrivate, UnicastMacs.x25519Public(a.generatePublicKey()));
            byte[] ab = UnicastMacs.pairKey(a, b.generatePublicKey());
            assertArrayEquals("pair " + i, ab, UnicastMacs.pairKey(b, a.generatePublicKey()));
            Ed25519PrivateKeyParameters c = new Ed25519PrivateKeyParameters(random);
            assertFalse(java.util.Arrays.equals(ab, UnicastMacs.pairKey(c, b.generatePublicKey())));
        }
    }

    @Test
    public void onlyTheTwoNodesOfAPairCanMakeTheMacTheReceiverTakes() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        Node n1 = node(ca, "node1", "n1");
        Node n2 = node(ca, "node2", "n2");
        Node n3 = node(ca, "node3", "n3");

        byte[] m = n2.macs.macFor(n1.chain).sign(BYTES, 0, BYTES.length);
        assertTrue("node2's MAC for node1, checked by node1 as node2's",
                n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, m));
        assertFalse("not as node3's", n1.macs.matches(n3.chain, BYTES, 0, BYTES.length, m));
        byte[] changed = BYTES.clone();
        changed[0] ^= 1;
        assertFalse("not of other bytes", n1.macs.matches(n2.chain, changed, 0, changed.length, m));
        byte[] byNode3 = n3.macs.macFor(n1.chain).sign(BYTES, 0, BYTES.length);
        assertFalse("node3, with a certificate of the same CA, cannot MAC as node2",
                n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, byNode3));
        byte[] forNode3 = n2.macs.macFor(n3.chain).sign(BYTES, 0, BYTES.length);
        assertFalse("node2's MAC for node3 does not count at node1",
                n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, forNode3));
    }

    @Test
    public void aReissuedCertificateTakesMacsUnderItsPreviousKeyUntilTheNextOne() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        Node n1 = node(ca, "node1", "n1");
        Node n2 = node(ca, "node2", "n2");
        byte[] underFirst = n2.macs.macFor(n1.chain).sign(BYTES, 0, BYTES.length);
        assertTrue(n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underFirst));

        Node reissued = node(ca, "node1", "n1-again");
        n1.key.set(reissued.key.get());
        assertTrue("node2 has not seen node1's new certificate yet",
                n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underFirst));
        byte[] underSecond = n2.macs.macFor(reissued.chain).sign(BYTES, 0, BYTES.length);
        assertTrue(n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underSecond));

        n1.key.set(node(ca, "node1", "n1-third").key.get());
        assertTrue(n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underSecond));
        assertFalse("two certificates back: refused",
                n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underFirst));
    }

    /**
     * Whoever holds a node's key computes that node's pair key with every peer, so a leaked key could MAC
     * unicasts to the node in any peer's name: once the cluster revoked its certificate, that key checks nothing,
     * neither as the node's previous key nor as its current one.
     */
    @Test
    public void aRevokedOwnKeyChecksNoMac() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        Node n1 = node(ca, "node1", "n1");
        Node n2 = node(ca, "node2", "n2");
        byte[] underLeaked = n2.macs.macFor(n1.chain).sign(BYTES, 0, BYTES.length);
        assertTrue(n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underLeaked));
        UnicastMacs.Own leaked = n1.key.get();
        Node reissued = node(ca, "node1", "n1-again");
        n1.key.set(reissued.key.get());
        assertTrue("the previous key, not revoked", n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underLeaked));
        n1.revoked.add(leaked.fingerprint());
        assertFalse("the previous key, revoked", n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underLeaked));
        byte[] underNew = n2.macs.macFor(reissued.chain).sign(BYTES, 0, BYTES.length);
        assertTrue(n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underNew));
        n1.revoked.add(n1.key.get().fingerprint());
        assertFalse("the current key, revoked", n1.macs.matches(n2.chain, BYTES, 0, BYTES.length, underNew));
    }

    @Test
    public void aNodeWhoseKeyIsNotEd25519SignsItsUnicasts() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        Node n2 = node(ca, "node2", "n2");
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        UnicastMacs.Own ecdsa = new UnicastMacs.Own(ec.generateKeyPair().getPrivate(), "ec");
        UnicastMacs withEcdsa = new UnicastMacs(() -> ecdsa, Set::of);
        assertNull(withEcdsa.macFor(n2.chain));
        assertFalse(withEcdsa.matches(n2.chain, BYTES, 0, BYTES.length, new byte[UnicastMacs.MAC_BYTES]));
        assertNotNull(n2.macs.macFor(n2.chain));
    }

    private record Node(AtomicReference<UnicastMacs.Own> key, List<byte[]> chain, UnicastMacs macs,
                        Set<String> revoked) {
    }

    private Node node(Path ca, String name, String folder) throws Exception {
        Path dir = tmp.getRoot().toPath().resolve(folder);
        TestCertificates.node(ca, name, dir);
        NodeCertificate c = NodeCertificate.load(dir, name);
        AtomicReference<UnicastMacs.Own> key = new AtomicReference<>(new UnicastMacs.Own(
                EntryVerifier.signingKey(c.key()), NodeTls.fingerprintOf(c.certificate())));
        List<byte[]> chain = NodeTls.load(dir, name, java.time.Duration.ofHours(1)).identity().chain();
        Set<String> revoked = ConcurrentHashMap.newKeySet();
        return new Node(key, chain, new UnicastMacs(key::get, () -> revoked), revoked);
    }
}
