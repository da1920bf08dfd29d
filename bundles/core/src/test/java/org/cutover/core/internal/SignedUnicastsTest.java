package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.cutover.api.Delivery;
import org.cutover.api.GroupListener;
import org.cutover.api.Member;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.AdjustConfirm;
import org.cutover.core.internal.wire.Envelope.GroupState;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.cutover.core.internal.wire.LogBatch;
import org.cutover.core.internal.wire.SignedUnicast;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.junit.Test;

/**
 * A node holding a valid certificate (node3) hands node1's joiner a state while node2's member, the one the join
 * names as its provider, is still computing the real one. node3 writes the unicasts itself, past its own API, and
 * gives them node2's address as their sender, which JGroups lets any peer write. Every forgery is dropped: node3's
 * honest signature (not the provider), node2's name signed with node3's key (with and without node2's chain), the
 * unsigned format, and a state node2 signed for another node. The same bytes signed with node2's key for node1,
 * sent the same way, are taken: so the refusals are the signature's and the provider check's. The same for an
 * adjust's confirmation.
 */
public class SignedUnicastsTest {

    /** restores whatever state it is given; its own state waits for the test */
    static final class Blocking implements GroupListener {
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<String> restored = new CompletableFuture<>();

        @Override
        public void onMessage(Delivery delivery) {
        }

        @Override
        public byte[] stateForJoiner() {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "real".getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void restoreState(byte[] state) {
            restored.complete(new String(state, StandardCharsets.UTF_8));
        }
    }

    @Test
    public void aJoinersStateIsTakenOnlyFromItsProvidersNodeWithThatNodesSignature() throws Exception {
        try (TestCluster cluster = new TestCluster("signed-unicasts", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1);
            TestNode node1 = nodes.get(0);
            TestNode node2 = nodes.get(1);
            TestNode node3 = nodes.get(2);
            Blocking provider = new Blocking();
            node2.node.join("g", provider);
            Blocking joiner = new Blocking();
            CompletableFuture<Void> join = CompletableFuture.runAsync(() -> node1.node.join("g", joiner));
            Await.until("node1 applied its member's join", TestCluster.WAIT,
                    () -> node1.node.group("g").map(g -> g.members().size() == 2).orElse(false),
                    () -> node1.node.group("g"));
            String joinerId = node1.node.group("g").orElseThrow().members().stream()
                    .filter(m -> m.node().equals("node1")).map(Member::id).findFirst().orElseThrow();

            Address to = node1.channel().getAddress();
            Address node2Address = node2.channel().getAddress();
            LogBatch.Signer node3Key = node3.tls::sign;
            List<byte[]> node2Chain = node2.tls.identity().chain();
            send(node3, to, node3.channel().getAddress(),
                    SignedUnicast.encode("node3", "node1", List.of(), state(joinerId, "node3's own"), node3Key));
            send(node3, to, node2Address,
                    SignedUnicast.encode("node2", "node1", List.of(), state(joinerId, "node2's name"), node3Key));
            send(node3, to, node2Address,
                    SignedUnicast.encode("node2", "node1", node2Chain, state(joinerId, "node2's chain"), node3Key));
            send(node3, to, node2Address, WireFormat.encode(state(joinerId, "unsigned")));
            send(node3, to, node2Address, SignedUnicast.encode("node2", "node3", List.of(),
                    state(joinerId, "signed by node2 for node3"), node2.tls::sign));
            Thread.sleep(1000);
            assertFalse("no forged state ended the join: " + joiner.restored.getNow(null), join.isDone());

            send(node3, to, node2Address, SignedUnicast.encode("node2", "node1", List.of(),
                    state(joinerId, "signed by node2 for node1"), node2.tls::sign));
            join.get(30, TimeUnit.SECONDS);
            assertEquals("signed by node2 for node1", joiner.restored.get());
            provider.release.countDown();
        }
    }

    /**
     * The security review's forged confirmation: node2, which hosts a member of g, hears nothing, so it neither
     * applies node1's adjust nor confirms it; node1 and node3 commit it. node3 then confirms it in node2's name the
     * same five ways, and three more with MACs (its own pair key with node1; node2's MAC for node3, re-addressed
     * and as it was); node1's adjust counts none of them, and counts the confirmation node2 MAC'd for node1.
     */
    @Test
    public void anAdjustConfirmationCountsOnlyWithTheConfirmingNodesSignatureForTheAsker() throws Exception {
        try (TestCluster cluster = new TestCluster("signed-confirms", 3, "<DISCARD/>")) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            TestNode node1 = nodes.get(0);
            TestNode node2 = nodes.get(1);
            TestNode node3 = nodes.get(2);
            node1.node.join("g", new RecordingListener());
            node2.node.join("g", new RecordingListener());
            for (TestNode n : nodes) {
                Await.until(n.name + " sees 2 members", TestCluster.WAIT,
                        () -> n.node.group("g").map(g -> g.members().size() == 2).orElse(false),
                        () -> n.node.group("g"));
            }
            long epoch = node1.node.group("g").orElseThrow().epoch();
            node2.discard().setUpDiscardRate(1.0);

            String id = "forged-confirm-" + java.util.UUID.randomUUID();
            AdjustWaiter waiter = new AdjustWaiter();
            node1.node.sendAdjust(new Adjust(id, "node1", 1, List.of(new GroupVersion("g", 2, epoch)),
                    System.currentTimeMillis(), Envelope.Asker.NODE), waiter);
            assertTrue("the adjust committed without node2", waiter.awaitDelivery(TestCluster.WAIT));
            assertTrue(String.valueOf(waiter.result().why()), waiter.result().accepted());
            assertTrue(waiter.expected().toString(), waiter.expected().containsKey("node2"));

            Envelope confirm = new AdjustConfirm(id, "node2");
            Address to = node1.channel().getAddress();
            Address node2Address = node2.channel().getAddress();
            LogBatch.Signer node3Key = node3.tls::sign;
            send(node3, to, node3.channel().getAddress(),
                    SignedUnicast.encode("node3", "node1", List.of(), confirm, node3Key));
            send(node3, to, node2Address, SignedUnicast.encode("node2", "node1", List.of(), confirm, node3Key));
            send(node3, to, node2Address,
                    SignedUnicast.encode("node2", "node1", node2.tls.identity().chain(), confirm, node3Key));
            send(node3, to, node2Address, WireFormat.encode(confirm));
            send(node3, to, node2Address, SignedUnicast.encode("node2", "node3", List.of(), confirm,
                    node2.tls::sign));
            List<byte[]> node1Chain = node1.tls.identity().chain();
            List<byte[]> node3Chain = node3.tls.identity().chain();
            // the MAC'd form: node3's own pair key with node1, and node2's MAC for node3 (a capture) re-addressed
            send(node3, to, node2Address, SignedUnicast.encodeWithMac("node2", "node1", List.of(), confirm,
                    node3.tls.macs().macFor(node1Chain)));
            send(node3, to, node2Address, SignedUnicast.encodeWithMac("node2", "node1", List.of(), confirm,
                    node2.tls.macs().macFor(node3Chain)));
            send(node3, to, node2Address, SignedUnicast.encodeWithMac("node2", "node3", List.of(), confirm,
                    node2.tls.macs().macFor(node3Chain)));
            Thread.sleep(1000);
            assertFalse("a forged confirmation counted: " + waiter.confirmedNanos(),
                    waiter.confirmedNanos().containsKey("node2"));

            send(node3, to, node2Address, SignedUnicast.encodeWithMac("node2", "node1", List.of(), confirm,
                    node2.tls.macs().macFor(node1Chain)));
            Await.until("node2's own confirmation counted", TestCluster.WAIT,
                    () -> waiter.confirmedNanos().containsKey("node2"), waiter::confirmedNanos);
            node2.discard().setUpDiscardRate(0);
        }
    }

    private static Envelope state(String joiner, String text) {
        return new GroupState("g", joiner, text.getBytes(StandardCharsets.UTF_8));
    }

    /** straight onto node3's channel, past its API; unreliable, so no protocol keeps it for its sender address */
    private static void send(TestNode from, Address to, Address claimedSender, byte[] bytes) throws Exception {
        Message m = new BytesMessage(to, bytes).setSrc(claimedSender);
        m.setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY);
        from.channel().send(m);
    }
}
