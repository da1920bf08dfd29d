package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.tls.EntryVerifier;
import org.cutover.core.internal.tls.KnownSignatures;
import org.cutover.core.internal.tls.NodeTls;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Entries checked as they arrive: a good one is known when applied, nothing else is. */
public class EntryPrecheckTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void aGoodEntryIsKnownBeforeItIsAppliedAndAForgedOrAppliedOneIsNot() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        NodeTls node1 = NodeTls.load(TestCertificates.node(ca, "node1", tmp.getRoot().toPath().resolve("n1")),
                "node1", Duration.ofHours(1));
        NodeTls node3 = NodeTls.load(TestCertificates.node(ca, "node3", tmp.getRoot().toPath().resolve("n3")),
                "node3", Duration.ofHours(1));
        Replica replica = new Replica(); // node2's
        KnownSignatures known = new KnownSignatures();
        Envelope leave = new Envelope.Leave("g", "node1#1");
        try (EntryPrecheck precheck = new EntryPrecheck("node2", replica, known)) {
            byte[] good = LogBatch.encode("node1", 7, 1, node1.identity(), List.of(leave), node1::sign).toArray();
            precheck.accept(ByteBuffer.wrap(good));
            Await.until("node1's entry checked on arrival", Duration.ofSeconds(10), () -> known.size() == 1,
                    known::size);

            // node1's name, node3's key and chain: its signature is good for node3, which the chain check refuses
            // where it is applied; a flipped signature byte is checked and not known
            byte[] forged = LogBatch.encode("node1", 7, 2, node1.identity(), List.of(leave), node1::sign).toArray();
            forged[forged.length - 1] ^= 1;
            precheck.accept(ByteBuffer.wrap(forged));
            // already applied (session 7, entry 3 is behind what the replica took): not checked at all
            synchronized (replica) {
                replica.authors.accept("node3", 9, 1);
                replica.authors.accept("node3", 9, 2);
            }
            byte[] old = LogBatch.encode("node3", 9, 1, node3.identity(), List.of(leave), node3::sign).toArray();
            precheck.accept(ByteBuffer.wrap(old));
            // a marker behind both in the one queue: once it is known, the two before it were decided
            byte[] marker = LogBatch.encode("node3", 9, 3, node3.identity(), List.of(leave), node3::sign).toArray();
            precheck.accept(ByteBuffer.wrap(marker));
            // counted once its check returned, so the count, not the known ones, says the marker's check ended
            Await.until("the marker checked", Duration.ofSeconds(10), () -> precheck.checked() == 2,
                    precheck::checked);
            assertEquals("node1's entry and the marker", 2, known.size());

            // the applier takes the two good ones without a check; the forged one it checks and refuses
            EntryVerifier applier = new EntryVerifier(known);
            assertNull(refusal(applier, good, node1));
            assertNull(refusal(applier, marker, node3));
            assertEquals(0, known.size());
            assertEquals("the signature is not that of the author's certificate", refusal(applier, forged, node1));
        }
    }

    @Test
    public void aNodesOwnEntriesAreNotCheckedAgainOnArrival() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        NodeTls node2 = NodeTls.load(TestCertificates.node(ca, "node2", tmp.getRoot().toPath().resolve("n2")),
                "node2", Duration.ofHours(1));
        NodeTls node3 = NodeTls.load(TestCertificates.node(ca, "node3", tmp.getRoot().toPath().resolve("n3")),
                "node3", Duration.ofHours(1));
        Replica replica = new Replica(); // node2's
        Envelope leave = new Envelope.Leave("g", "node2#1");
        try (EntryPrecheck precheck = new EntryPrecheck("node2", replica, node2.known())) {
            byte[] own = LogBatch.encode("node2", 1, 1, node2.identity(), List.of(leave), node2::signEntry).toArray();
            precheck.accept(ByteBuffer.wrap(own));
            byte[] marker = LogBatch.encode("node3", 1, 1, node3.identity(), List.of(leave), node3::sign).toArray();
            precheck.accept(ByteBuffer.wrap(marker));
            // known: node2's own (from its signing) and, once checked, the marker behind it in the one queue
            Await.until("the marker checked", Duration.ofSeconds(10), () -> precheck.checked() == 1,
                    precheck::checked);
            assertEquals("the marker alone was checked, node2's own known from its signing", 2,
                    node2.known().size());
            // node2's own entry is known from its signing, taken once where applied
            EntryVerifier applier = new EntryVerifier(node2.known());
            assertNull(refusal(applier, own, node2));
            assertEquals(1, node2.known().taken());
        }
    }

    private static String refusal(EntryVerifier verifier, byte[] entry, NodeTls author) throws Exception {
        LogBatch.View batch = LogBatch.decode(entry, 0, entry.length);
        return verifier.signatureRefusal(author.identity().chain(), entry, 0, batch.signedLength(),
                batch.signature());
    }
}
