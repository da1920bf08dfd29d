package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TlsProbe;
import org.cutover.core.internal.tls.NodeTls;
import org.junit.Test;

/** Attacks from the network: peers without the cluster CA's certificate, forged frames, pinned views. */
public class SecurityTest {

    /**
     * TCP reads a frame's length before anything else: without max_length on the transport a peer made the node
     * allocate whatever length it announced (security review; JGRP-2523). The shipped stack's max_length refuses
     * the frame and drops the connection. On plain TCP here, as a peer past the TLS handshake sees the node.
     */
    @Test
    public void aFrameAnnouncingTwoGigabytesIsRefusedBeforeItsBytes() throws Exception {
        try (TestCluster cluster = new TestCluster("security-frame", 1)) {
            cluster.start(0, 1);
            // the probe SecurityTest's TLS node refuses: a node on plain TCP reads on
            assertEquals("plain TCP reads a plain greeting", TlsProbe.ACCEPTED, TlsProbe.plain(cluster.port(0)));
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", cluster.port(0))) {
                s.setSoTimeout(10_000);
                java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
                TlsProbe.greeting(out);
                out.writeInt(Integer.MAX_VALUE - 8); // a frame of 2 GB, of which nothing follows
                out.flush();
                try {
                    assertEquals("the node closes the connection", -1, s.getInputStream().read());
                } catch (java.net.SocketTimeoutException stillOpen) {
                    throw new AssertionError("the node still reads the 2 GB frame after 10 s");
                }
            }
            assertTrue("the node goes on", cluster.running().get(0).node.hasLeader());
        }
    }

    /**
     * A key holder appends a view announcement of term Long.MAX_VALUE that leaves node3 out. Before, every
     * replica applied it: node3 PARTITIONED, and every later view (of a lower term) refused for good. The entry
     * is of the leader's term; a view of another term is refused where it is applied.
     */
    @Test
    public void aViewAnnouncedWithAnotherTermThanItsEntrysIsRefusedEverywhere() throws Exception {
        try (TestCluster cluster = new TestCluster("security-view-pin", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<String> twoOfThree = new java.util.ArrayList<>();
            for (TestNode n : nodes.subList(0, 2)) {
                twoOfThree.add(DirectMessages.uuidOf(n.channel().getAddress()));
            }
            java.lang.reflect.Field link = ClusterNode.class.getDeclaredField("log");
            link.setAccessible(true);
            var r = ((LogLink) link.get(nodes.get(0).node))
                    .append(new org.cutover.core.internal.wire.Envelope.ViewChanged(Long.MAX_VALUE, Long.MAX_VALUE,
                            twoOfThree))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse("the pinning view was applied", r.accepted());
            // a later entry: once applied on a node, the forged view was too
            nodes.get(0).node.join("after", new RecordingListener());
            for (TestNode n : nodes) {
                org.cutover.core.internal.testing.Await.until(n.name + " to apply the entries", TestCluster.WAIT,
                        () -> n.node.read(s -> s.groupVersion("after")).isPresent(), () -> n.name);
                assertTrue(n.name + ": view term " + n.node.read(s -> s.viewTerm()),
                        n.node.read(s -> s.viewTerm()) < Long.MAX_VALUE);
                assertEquals(n.name + " sees node3", org.cutover.api.NodeStatus.ACTIVE,
                        n.node.definedNode("node3").orElseThrow().status());
            }
        }
    }

    /**
     * Mutual TLS on the shipped stack: node3 is one of the cluster's defined nodes by name, but its certificate is
     * of another CA, and then it has none at all (plain TCP). Either way it can neither join nor be heard: nothing
     * it sends (discovery, join, merge, heartbeats, a leave request) gets past the handshake, and the cluster's
     * view, nodes and group are what they were.
     */
    @Test
    public void aNodeWithoutACertificateOfTheClustersCaCanNeitherJoinNorBeHeard() throws Exception {
        try (TestCluster cluster = new TestCluster("security-tls", 3)) {
            Path ca = TestCertificates.ca(cluster.stateDir().resolve("ca"));
            Path otherCa = TestCertificates.ca(cluster.stateDir().resolve("other-ca"));
            Path strangerDir = TestCertificates.node(otherCa, "node3", cluster.stateDir().resolve("stranger"));
            cluster.tls(ca);
            TestNode n1 = cluster.start(0, 1, 2);
            TestNode n2 = cluster.start(1, 1, 2);
            cluster.awaitActive(2);
            n1.node.join("g", new RecordingListener());
            assertTrue(n1.versions.adjust(VersionRequest.of(1, "g").withDowngrade()).complete());
            org.jgroups.View view = n1.channel().getView();

            for (boolean strangerTls : new boolean[] {true, false}) {
                cluster.tls(i -> i == 2 ? strangerDir : cluster.tlsDir(i), i -> i != 2 || strangerTls);
                // launch, not start: the stranger never gets into the log, so nothing would end start's wait
                TestNode stranger = cluster.launch(2, 1, 2);
                String who = strangerTls ? "node3 with another CA's certificate" : "node3 without TLS";
                // something must NOT happen here: give discovery, the join attempt and a MERGE3 round
                // (max_interval 3 s in TestCluster's stack) the time they take, then look
                assertFalse(who + " joined the cluster log", stranger.node.awaitSynced(Duration.ofSeconds(5)));
                assertFalse(who + " sees a leader", stranger.node.hasLeader());
                assertEquals(who + " is alone", 1, stranger.channel().getView().size());
                GroupException join = assertThrows(GroupException.class,
                        () -> stranger.node.join("g", new RecordingListener()));
                assertEquals(join.getMessage(), ReasonCode.GROUP_PARTITIONED, join.code());
                GroupException adjust = assertThrows(GroupException.class,
                        () -> stranger.versions.adjust(VersionRequest.of(2, "g")));
                assertEquals(adjust.getMessage(), ReasonCode.GROUP_PARTITIONED, adjust.code());
                stranger.stop();
                // the cluster is what it was: the same view (no merge, no leave), nodes and group
                assertEquals(who, view, n1.channel().getView());
                assertEquals(who, view, n2.channel().getView());
                assertFalse(n1.node.definedNode("node3").isPresent());
                assertEquals(List.of("node1", "node2"), n1.node.definedNodes().stream().map(d -> d.name()).toList());
                assertEquals(List.of("node1"), n2.node.group("g").orElseThrow().members().stream()
                        .map(m -> m.node()).toList());
                assertEquals(1, n2.node.group("g").orElseThrow().level());
                assertEquals(2, n2.node.group("g").orElseThrow().epoch());
            }
        }
    }

    /**
     * At the socket: a TLS client with another CA's certificate is refused in the handshake; the bytes a plain
     * JGroups peer sends first (cookie, version, address, then a frame) get nothing back but a TLS alert; a
     * client with a certificate of the cluster's CA gets through (so the refusals are the certificate's).
     */
    @Test
    public void onlyAPeerWithTheClustersCertificateGetsPastTheHandshake() throws Exception {
        try (TestCluster cluster = new TestCluster("security-tls-socket", 1)) {
            Path ca = TestCertificates.ca(cluster.stateDir().resolve("ca"));
            Path otherCa = TestCertificates.ca(cluster.stateDir().resolve("other-ca"));
            cluster.tls(ca);
            TestNode n1 = cluster.start(0, 1);
            Path strangerDir = TestCertificates.node(otherCa, "node1", cluster.stateDir().resolve("stranger"));
            TestCertificates.trust(strangerDir, otherCa, ca); // it trusts the node: the refusal is the node's
            javax.net.ssl.SSLContext stranger = NodeTls.load(strangerDir, "node1", Duration.ofHours(1)).context();
            javax.net.ssl.SSLContext peer = NodeTls.load(
                    TestCertificates.node(ca, "node9", cluster.stateDir().resolve("peer")), "node9",
                    Duration.ofHours(1)).context();
            assertEquals("another CA's certificate", TlsProbe.REFUSED, TlsProbe.handshake(stranger, cluster.port(0)));
            assertEquals("the cluster CA's certificate", TlsProbe.ACCEPTED, TlsProbe.handshake(peer, cluster.port(0)));
            assertEquals("a plain JGroups greeting and frame", TlsProbe.REFUSED, TlsProbe.plain(cluster.port(0)));
            assertEquals(1, n1.channel().getView().size());
            assertTrue(n1.node.hasLeader());
        }
    }
}
