package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.cutover.api.Group;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.tls.NodeTls;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
import org.jgroups.raft.RaftHandle;
import org.junit.Test;

/**
 * A node with a certificate of the cluster's CA writes an entry in node2's name straight into the log (through
 * its RAFT, past the checks its own API makes): the leave of node2's member. However it signs, the entry is refused
 * where it is applied, on every node, and node2's member stays. The same entry signed with node2's key applies
 * everywhere, so the refusals are the signature's.
 */
public class SignedEntriesTest {

    @Test
    public void anEntryInAnotherNodesNameIsAppliedOnlyWithThatNodesSignature() throws Exception {
        try (TestCluster cluster = new TestCluster("signed-entries", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            TestNode node1 = nodes.get(0);
            TestNode node2 = nodes.get(1);
            Group g2 = node2.node.join("g", new RecordingListener());
            node1.node.join("g", new RecordingListener());
            awaitMembers(nodes, 2);
            Envelope leave = new Envelope.Leave("g", g2.self().id());
            RaftHandle raft = raftOf(node1);

            // node1's own certificate and key, in node2's name
            NodeTls own = node1.tls;
            append(raft, "node2", own.identity(), own::sign, leave);
            // node2's certificate (the cluster state holds it for anyone to read), node1's key
            LogBatch.Identity node2Chain = new LogBatch.Identity(node2.tls.identity().chain(), List.of());
            append(raft, "node2", node2Chain, own::sign, leave);
            // a certificate named node2 from another CA, with its own key
            Path otherCa = TestCertificates.ca(cluster.stateDir().resolve("other-ca"));
            NodeTls impostor = NodeTls.load(TestCertificates.node(otherCa, "node2",
                    cluster.stateDir().resolve("impostor")), "node2", Duration.ofHours(1));
            append(raft, "node2", impostor.identity(), impostor::sign, leave);
            // each refused entry was applied (and refused) before the marker that follows it in the log
            node1.node.join("marker", new RecordingListener());
            for (TestNode n : nodes) {
                Await.until(n.name + " applied the marker", TestCluster.WAIT,
                        () -> n.node.group("marker").isPresent(), () -> n.node.group("marker"));
                assertEquals(n.name + ": node2's member is still in g", 2,
                        n.node.group("g").orElseThrow().members().size());
            }

            // the control: node2's own key
            append(raft, "node2", node2.tls.identity(), node2.tls::sign, leave);
            awaitMembers(nodes, 1);
        }
    }

    private static void awaitMembers(List<TestNode> nodes, int count) {
        for (TestNode n : nodes) {
            Await.until(n.name + " sees " + count + " members in g", TestCluster.WAIT,
                    () -> n.node.group("g").map(x -> x.members().size() == count).orElse(false),
                    () -> n.node.group("g"));
        }
    }

    /**
     * The applier checks no signature twice: the author's own entries are known from their signing, the others'
     * from the check as they arrived, on the leader and the followers alike (the author's own are known already).
     * Without RAFT's arrivals hook no node checks any.
     */
    @Test
    public void entriesAreKnownWhereAppliedFromTheirSigningOrTheirArrival() throws Exception {
        try (TestCluster cluster = new TestCluster("known-entries", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            List<Group> groups = new java.util.ArrayList<>();
            for (TestNode n : nodes) {
                groups.add(n.node.join("g", new RecordingListener()));
            }
            awaitMembers(nodes, 3);
            TestNode author = nodes.get(1);
            long before = author.tls.known().taken();
            int sent = 50;
            for (int i = 0; i < sent; i++) {
                groups.get(1).send(("m" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            // send() returns once the entry is applied on the author
            long own = author.tls.known().taken() - before;
            assertTrue("the author's own entries were taken as signed: " + own + " of " + sent, own >= sent);
            for (TestNode n : nodes) {
                EntryPrecheck precheck = precheckOf(n);
                // best effort: an entry the applier reaches first is checked there (on the author too, whose
                // entry needs no check), so not all of them; none would mean RAFT's hook is not in place
                Await.until(n.name + " checking entries on arrival", TestCluster.WAIT,
                        () -> precheck.checked() > 0, precheck::checked);
            }
        }
    }

    private static long sessions = Long.MAX_VALUE / 2;

    /**
     * Entry 1 of a session above any the author ever had (a node's are microseconds since 1970): the applier
     * would take it if the author wrote it. A session below the author's would be skipped as old before any check.
     */
    private static void append(RaftHandle raft, String author, LogBatch.Identity identity, LogBatch.Signer signer,
                               Envelope e) throws Exception {
        byte[] entry = LogBatch.encode(author, ++sessions, 1, identity, List.of(e), signer).toArray();
        raft.setAsync(entry, 0, entry.length).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static EntryPrecheck precheckOf(TestNode n) throws Exception {
        java.lang.reflect.Field f = ClusterNode.class.getDeclaredField("precheck");
        f.setAccessible(true);
        return (EntryPrecheck) f.get(n.node);
    }

    private static RaftHandle raftOf(TestNode n) throws Exception {
        java.lang.reflect.Field f = ClusterNode.class.getDeclaredField("raft");
        f.setAccessible(true);
        return (RaftHandle) f.get(n.node);
    }
}
