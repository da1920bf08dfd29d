package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TlsProbe;
import org.cutover.core.internal.tls.KnownSignatures;
import org.cutover.core.internal.tls.NodeTls;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.Asker;
import org.cutover.core.internal.wire.Envelope.RevokeCertificate;
import org.cutover.core.internal.wire.LogBatch;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A revoked node certificate: from the revocation's place in the log on, entries signed with it are refused (the
 * same entry applied before it was taken), its TLS handshakes fail on every node, and the node is cut off until it
 * holds a new certificate, which works at once.
 */
public class RevokedCertificatesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void entriesSignedWithARevokedCertificateAreRefusedFromTheRevocationOn() throws Exception {
        Path root = tmp.getRoot().toPath();
        Path ca = TestCertificates.ca(root.resolve("ca"));
        NodeTls node1 = NodeTls.load(TestCertificates.node(ca, "node1", root.resolve("n1")), "node1",
                Duration.ofHours(1));
        NodeTls stolen = NodeTls.load(TestCertificates.node(ca, "node3", root.resolve("n3")), "node3",
                Duration.ofHours(1));
        Replica replica = new Replica();
        Applied applied = new Applied(replica);
        LogApplier applier = new LogApplier(replica, applied, new KnownSignatures());
        Envelope leave = new Envelope.Leave("g", "node3#1");
        String fingerprint = NodeTls.fingerprintOf(stolen.certificate().certificate());

        apply(applier, LogBatch.encode("node3", 1, 1, stolen.identity(), List.of(leave), stolen::sign));
        assertNull("before the revocation", applied.last().why());

        RevokeCertificate byViewer = new RevokeCertificate("node3", fingerprint, "node1", 1_000,
                new Asker("eve", List.of("viewer")));
        apply(applier, LogBatch.encode("node1", 1, 1, node1.identity(), List.of(byViewer), node1::sign));
        assertEquals(ReasonCode.NOT_AUTHORIZED, applied.last().refused());
        apply(applier, LogBatch.encode("node3", 1, 2, stolen.identity(), List.of(leave), stolen::sign));
        assertNull("a viewer revokes nothing", applied.last().why());

        RevokeCertificate byAdmin = new RevokeCertificate("node3", fingerprint, "node1", 2_000,
                new Asker("admin", List.of("admin")));
        apply(applier, LogBatch.encode("node1", 1, 2, node1.identity(), List.of(byAdmin), node1::sign));
        assertNull(applied.last().why());
        apply(applier, LogBatch.encode("node3", 1, 3, stolen.identity(), List.of(leave), stolen::sign));
        assertEquals("the cluster log refused the entry of node3: the certificate of node3 (SHA-256 " + fingerprint
                + ") is revoked", applied.last().why());

        // the node's new certificate, from the same CA: its next entry (the refused one used up nothing) is taken
        NodeTls renewed = NodeTls.load(TestCertificates.node(ca, "node3", root.resolve("n3-new")), "node3",
                Duration.ofHours(1));
        apply(applier, LogBatch.encode("node3", 1, 3, renewed.identity(), List.of(leave), renewed::sign));
        assertNull(applied.last().why());
        // an entry of the new certificate that does not carry it is checked with the one the state holds now
        apply(applier, LogBatch.encode("node3", 1, 4, LogBatch.Identity.NONE, List.of(leave), renewed::sign));
        assertNull(applied.last().why());

        Map<String, String> revoked = replica.read(ClusterState::revoked);
        assertEquals(Map.of(fingerprint, "node3"), revoked);
        assertTrue(replica.read(s -> s.history(Optional.empty())).stream().anyMatch(r -> r.outcome()
                .equals("CERT_REVOKED: the certificate of node3 with SHA-256 " + fingerprint)));
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        replica.writeTo(new DataOutputStream(snapshot));
        Replica restored = new Replica();
        synchronized (restored) {
            restored.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot.toByteArray())));
        }
        assertEquals("the snapshot keeps the revocation", revoked, restored.read(ClusterState::revoked));
    }

    @Test
    public void aRevokedNodeIsCutOffUntilItHoldsANewCertificate() throws Exception {
        try (TestCluster cluster = new TestCluster("revoked-cert", 3)) {
            Path ca = TestCertificates.ca(cluster.stateDir().resolve("ca"));
            cluster.tls(ca);
            List<TestNode> nodes = cluster.startAll(3, 1);
            TestNode node1 = nodes.get(0);
            TestNode node3 = nodes.get(2);
            // what a thief of node3's files holds: its certificate and key
            Path stolenDir = cluster.stateDir().resolve("stolen");
            java.nio.file.Files.createDirectories(stolenDir);
            for (Path f : java.nio.file.Files.newDirectoryStream(cluster.tlsDir(2))) {
                java.nio.file.Files.copy(f, stolenDir.resolve(f.getFileName()));
            }
            SSLContext thief = NodeTls.load(stolenDir, "node3", Duration.ofHours(1)).context();
            for (int i = 0; i < 2; i++) {
                assertEquals("node" + (i + 1) + " before", TlsProbe.ACCEPTED, TlsProbe.handshake(thief,
                        cluster.port(i)));
            }

            String fingerprint = node1.node.revokeCertificate("node3");
            assertEquals(NodeTls.fingerprintOf(node3.tls.certificate().certificate()), fingerprint);
            Await.until("node1 and node2 holding the revocation", TestCluster.WAIT,
                    () -> nodes.subList(0, 2).stream().allMatch(n -> n.node.revokedCertificates()
                            .equals(Map.of(fingerprint, "node3"))),
                    () -> nodes.stream().map(n -> n.node.revokedCertificates()).toList());
            for (int i = 0; i < 2; i++) {
                assertEquals("node" + (i + 1) + " after", TlsProbe.REFUSED, TlsProbe.handshake(thief,
                        cluster.port(i)));
            }
            Await.until("node1 seeing node3 gone", TestCluster.WAIT,
                    () -> node1.node.definedNode("node3").map(n -> n.status() != NodeStatus.ACTIVE).orElse(true),
                    () -> node1.node.definedNodes());
            GroupException unknown = assertThrows(GroupException.class, () -> node1.node.revokeCertificate("nodeX"));
            assertEquals(ReasonCode.UNKNOWN_NODE, unknown.code());

            // node3 is given a new certificate of the same CA: it takes it at its next look and is back
            TestCertificates.node(ca, "node3", cluster.tlsDir(2));
            Await.until("node1 seeing node3 ACTIVE again", TestCluster.WAIT,
                    () -> node1.node.definedNode("node3").map(n -> n.status() == NodeStatus.ACTIVE).orElse(false),
                    () -> node1.node.definedNodes());
            List<RecordingListener> listeners = new ArrayList<>();
            List<Group> groups = new ArrayList<>();
            for (TestNode n : nodes) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                groups.add(n.node.join("after", l));
            }
            groups.get(2).send("from node3's new certificate".getBytes(StandardCharsets.UTF_8));
            Await.until("every member got node3's message", TestCluster.WAIT,
                    () -> listeners.stream().allMatch(l -> l.texts().size() == 1),
                    () -> listeners.stream().map(RecordingListener::texts).toList());
            assertEquals(Map.of(fingerprint, "node3"), node3.node.revokedCertificates());
            assertEquals("the thief is still refused", TlsProbe.REFUSED, TlsProbe.handshake(thief, cluster.port(2)));
        }
    }

    private static void apply(LogApplier applier, org.cutover.core.internal.wire.Slice entry) {
        byte[] bytes = entry.toArray();
        applier.apply(bytes, 0, bytes.length, false);
    }

    /** applies the envelopes this test sends as the node's applier does, and keeps each result */
    private static final class Applied implements LogApplier.Target {
        private final Replica replica;
        private final List<ClusterState.Result> results = new ArrayList<>();

        Applied(Replica replica) {
            this.replica = replica;
        }

        ClusterState.Result last() {
            return results.get(results.size() - 1);
        }

        @Override
        public ClusterState.Result apply(Envelope e, String author, long position) {
            return e instanceof RevokeCertificate r ? replica.state.revokeCertificate(r) : ClusterState.Result.NOTHING;
        }

        @Override
        public void snapshotInstalled() {
        }

        @Override
        public void applied(String author, long session, long number, int index, ClusterState.Result r) {
            results.add(r);
        }

        @Override
        public void entryApplied() {
        }
    }
}
