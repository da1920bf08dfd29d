package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;

import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/** All cluster traffic is encrypted with the cluster's secret: a node without it can neither join nor adjust. */
public class SecurityTest {

    static Path keystore(Path dir, String name) throws Exception {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(256);
        SecretKey key = generator.generateKey();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setEntry("cutover", new KeyStore.SecretKeyEntry(key), new KeyStore.PasswordProtection("secret".toCharArray()));
        Path file = dir.resolve(name + ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, "secret".toCharArray());
        }
        return file;
    }

    static String encrypt(Path keystore) {
        return "<SYM_ENCRYPT keystore_name=\"" + keystore.toAbsolutePath() + "\" keystore_type=\"PKCS12\""
                + " store_password=\"secret\" alias=\"cutover\"/>";
    }

    /**
     * TCP reads a frame's length before anything else, from anyone who connects: without max_length on the
     * transport a peer with no key at all made the node allocate whatever length it announced (security review;
     * JGRP-2523). The shipped stack's max_length refuses the frame and drops the connection.
     */
    @Test
    public void aFrameAnnouncingTwoGigabytesIsRefusedBeforeItsBytes() throws Exception {
        try (TestCluster cluster = new TestCluster("security-frame", 1)) {
            cluster.start(0, 1);
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", cluster.port(0))) {
                s.setSoTimeout(10_000);
                java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
                // TcpConnection's greeting: cookie, version, the length of our address, the address
                org.jgroups.stack.IpAddress self = new org.jgroups.stack.IpAddress("127.0.0.1", 1);
                out.write(new byte[] {'b', 'e', 'l', 'a'});
                out.writeShort(org.jgroups.Version.version);
                out.writeShort(self.serializedSize());
                self.writeTo(out);
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

    @Test
    public void aNodeWithTheWrongSecretCanNeitherJoinNorAdjust() throws Exception {
        try (TestCluster cluster = new TestCluster("security-secret", 3)) {
            Path right = keystore(cluster.stateDir(), "cluster");
            Path wrong = keystore(cluster.stateDir(), "stranger");
            cluster.security(i -> encrypt(i == 2 ? wrong : right));
            TestNode n1 = cluster.start(0, 1, 2);
            TestNode n2 = cluster.start(1, 1, 2);
            cluster.awaitActive(2);
            n1.node.join("g", new RecordingListener());
            assertTrue(n1.versions.adjust(VersionRequest.of(1, "g").withDowngrade()).complete());

            // launch, not start: the stranger never gets into the log, so nothing would end start's wait
            TestNode stranger = cluster.launch(2, 1, 2);
            // something must NOT happen here: give discovery, the join attempt and a MERGE3 round
            // (max_interval 3 s in TestCluster's stack) the time they take, then look
            assertFalse("the stranger joined the cluster log", stranger.node.awaitSynced(Duration.ofSeconds(5)));
            assertFalse("the stranger sees a leader", stranger.node.hasLeader());
            assertEquals("the stranger is alone", 1, stranger.channel().getView().size());
            assertEquals(2, n1.channel().getView().size());
            assertFalse(n1.node.definedNode("node3").isPresent());

            // the stranger can neither join nor adjust: it is not in the log, and nothing it sends is heard
            GroupException join = assertThrows(GroupException.class,
                    () -> stranger.node.join("g", new RecordingListener()));
            assertEquals(join.getMessage(), ReasonCode.GROUP_PARTITIONED, join.code());
            GroupException adjust = assertThrows(GroupException.class,
                    () -> stranger.versions.adjust(VersionRequest.of(2, "g")));
            assertEquals(adjust.getMessage(), ReasonCode.GROUP_PARTITIONED, adjust.code());
            assertFalse(stranger.node.isSynced());
            // the cluster with the right key is unchanged
            assertEquals(List.of("node1", "node2"), n1.node.definedNodes().stream().map(d -> d.name()).toList());
            assertEquals(List.of("node1"), n2.node.group("g").orElseThrow().members().stream()
                    .map(m -> m.node()).toList());
            assertEquals(1, n2.node.group("g").orElseThrow().level());
            assertEquals(2, n2.node.group("g").orElseThrow().epoch());
        }
    }
}
