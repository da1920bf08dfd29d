package org.cutover.core.internal.tls;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TlsProbe;
import org.junit.Test;

/**
 * The rotation docs/security.md describes, on a running 3-node TLS cluster: every node trusts the new CA beside
 * the old, every node is re-issued by the new CA, every node drops the old. Nothing restarts; the view is the
 * same from first to last and every member gets every message in one order. At each step a probe with the old
 * CA's certificate and one with the new CA's show which certificates each node accepts.
 */
public class CertificateRotationTest {

    @Test
    public void aNewCaReplacesTheOldWhileTheClusterRuns() throws Exception {
        try (TestCluster cluster = new TestCluster("tls-rotation", 3)) {
            Path oldCa = TestCertificates.ca(cluster.stateDir().resolve("old-ca"));
            Path newCa = TestCertificates.ca(cluster.stateDir().resolve("new-ca"));
            cluster.tls(oldCa);
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<RecordingListener> listeners = new ArrayList<>();
            List<Group> groups = new ArrayList<>();
            for (TestNode n : nodes) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                groups.add(n.node.join("g", l));
            }
            Await.until("all three in g", TestCluster.WAIT,
                    () -> nodes.get(0).node.group("g").orElseThrow().members().size() == 3,
                    () -> nodes.get(0).node.group("g"));
            org.jgroups.View view = nodes.get(0).channel().getView();
            SSLContext oldProbe = probe(oldCa, cluster.stateDir().resolve("probe-old"), oldCa, newCa);
            SSLContext newProbe = probe(newCa, cluster.stateDir().resolve("probe-new"), oldCa, newCa);
            List<String> sent = new ArrayList<>();

            expect(cluster, oldProbe, TlsProbe.ACCEPTED, newProbe, TlsProbe.REFUSED, "before");
            send(groups, sent, "before", listeners);

            for (TestNode n : nodes) {
                TestCertificates.trust(dir(cluster, n), oldCa, newCa);
            }
            awaitAll(nodes, c -> c.authorities().size() == 2, "trusts both CAs");
            expect(cluster, oldProbe, TlsProbe.ACCEPTED, newProbe, TlsProbe.ACCEPTED, "both trusted");
            send(groups, sent, "both trusted", listeners);

            String newIssuer = NodeCertificate.certificates(newCa.resolve("ca.crt")).get(0)
                    .getSubjectX500Principal().getName();
            for (TestNode n : nodes) {
                TestCertificates.node(newCa, n.name, dir(cluster, n));
            }
            awaitAll(nodes, c -> c.certificate().getIssuerX500Principal().getName().equals(newIssuer),
                    "holds a certificate of the new CA");
            send(groups, sent, "re-issued", listeners);

            for (TestNode n : nodes) {
                TestCertificates.trust(dir(cluster, n), newCa);
            }
            awaitAll(nodes, c -> c.authorities().size() == 1, "trusts the new CA only");
            expect(cluster, oldProbe, TlsProbe.REFUSED, newProbe, TlsProbe.ACCEPTED, "old CA dropped");
            // the connections were closed when the old CA was dropped: these messages travel on new sessions
            send(groups, sent, "old CA dropped", listeners);

            for (TestNode n : nodes) {
                assertEquals(n.name + " kept its view through the rotation", view, n.channel().getView());
            }
            for (RecordingListener l : listeners) {
                assertEquals("every member got every message in one order", listeners.get(0).texts(), l.texts());
            }
            assertEquals("every message sent, once", sent.stream().sorted().toList(),
                    listeners.get(0).texts().stream().sorted().toList());
        }
    }

    private static Path dir(TestCluster cluster, TestNode n) {
        return cluster.stateDir().resolve("tls").resolve(n.name);
    }

    /** a client with a certificate of {@code ca} that trusts the nodes whichever CA issued theirs */
    private static SSLContext probe(Path ca, Path dir, Path... trusted) throws IOException {
        TestCertificates.node(ca, "probe", dir);
        TestCertificates.trust(dir, trusted);
        return NodeTls.load(dir, "probe", Duration.ofHours(1)).context();
    }

    private static void expect(TestCluster cluster, SSLContext oldProbe, String old, SSLContext newProbe,
                               String fresh, String step) throws IOException {
        for (int i = 0; i < 3; i++) {
            assertEquals(step + ": node" + (i + 1) + " and the old CA's certificate", old,
                    TlsProbe.handshake(oldProbe, cluster.port(i)));
            assertEquals(step + ": node" + (i + 1) + " and the new CA's certificate", fresh,
                    TlsProbe.handshake(newProbe, cluster.port(i)));
        }
    }

    private static void awaitAll(List<TestNode> nodes, Predicate<NodeCertificate> done, String what) {
        Await.until("every node " + what, Duration.ofSeconds(30),
                () -> nodes.stream().allMatch(n -> done.test(n.tls.certificate())),
                () -> nodes.stream().map(n -> NodeTls.describe(n.tls.certificate())).toList());
    }

    /** one message from each node; waits until every member has all sent so far */
    private static void send(List<Group> groups, List<String> sent, String step, List<RecordingListener> listeners) {
        for (Group g : groups) {
            String text = step + " from " + g.self().node();
            sent.add(text);
            g.send(text.getBytes(StandardCharsets.UTF_8));
        }
        Await.until("every member got the messages of step " + step, TestCluster.WAIT,
                () -> listeners.stream().allMatch(l -> l.texts().size() == sent.size()),
                () -> listeners.stream().map(RecordingListener::texts).toList());
    }
}
