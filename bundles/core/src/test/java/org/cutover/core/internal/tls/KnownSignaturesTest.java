package org.cutover.core.internal.tls;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.cutover.core.internal.testing.TestCertificates;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A node's own entries are decided without an Ed25519 check, and nothing else is. */
public class KnownSignaturesTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void anEntryTheNodeSignedIsTakenAsSignedOnceAndAnythingElseIsChecked() throws Exception {
        Path ca = TestCertificates.ca(tmp.getRoot().toPath().resolve("ca"));
        Path dir = tmp.getRoot().toPath().resolve("node1");
        TestCertificates.node(ca, "node1", dir);
        NodeTls tls = NodeTls.load(dir, "node1", Duration.ofHours(1));
        List<byte[]> chain = tls.identity().chain();
        byte[] entry = "an adjust entry of node1".getBytes(StandardCharsets.UTF_8);
        EntryVerifier verifier = new EntryVerifier(tls.known());

        byte[] signature = tls.signEntry(entry, 0, entry.length);
        assertEquals(1, tls.known().size());
        assertNull(verifier.signatureRefusal(chain, entry, 0, entry.length, signature));
        assertEquals("taken when applied", 0, tls.known().size());
        assertNull("and checked when it comes again (a replay)",
                verifier.signatureRefusal(chain, entry, 0, entry.length, signature));

        // the shortcut is what decides a known signature: a wrong one put there by the test is taken as good...
        byte[] wrong = signature.clone();
        wrong[0] ^= 1;
        byte[] digest = EntryVerifier.digest(entry, 0, entry.length);
        String print = EntryVerifier.fingerprint(chain);
        tls.known().add(print, digest, wrong);
        assertNull(verifier.signatureRefusal(chain, entry, 0, entry.length, wrong));
        // ...and without it the same signature is checked and refused
        assertNotNull(verifier.signatureRefusal(chain, entry, 0, entry.length, wrong));

        // known under another chain (another node's certificate): checked
        Path other = tmp.getRoot().toPath().resolve("node2");
        TestCertificates.node(ca, "node2", other);
        List<byte[]> chain2 = NodeTls.load(other, "node2", Duration.ofHours(1)).identity().chain();
        tls.signEntry(entry, 0, entry.length);
        assertNotNull(verifier.signatureRefusal(chain2, entry, 0, entry.length, signature));
        // other bytes under the same signature: checked
        byte[] changed = Arrays.copyOf(entry, entry.length);
        changed[0] ^= 1;
        assertNotNull(verifier.signatureRefusal(chain, changed, 0, changed.length, signature));
        assertEquals("neither took the known one", 1, tls.known().size());
    }
}
