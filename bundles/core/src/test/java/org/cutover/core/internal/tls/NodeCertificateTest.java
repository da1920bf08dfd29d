package org.cutover.core.internal.tls;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import org.cutover.core.internal.testing.TestCertificates;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** What a node refuses to start with: each case is one file wrong in an otherwise good TLS folder. */
public class NodeCertificateTest {

    @ClassRule
    public static final TemporaryFolder TMP = new TemporaryFolder(new java.io.File("target"));

    private static Path ca;
    private static Path otherCa;

    @BeforeClass
    public static void authorities() throws IOException {
        ca = TestCertificates.ca(TMP.getRoot().toPath().resolve("ca"));
        otherCa = TestCertificates.ca(TMP.getRoot().toPath().resolve("other-ca"));
    }

    private static Path node(Path authority, String name) throws IOException {
        return TestCertificates.node(authority, name, TMP.newFolder().toPath());
    }

    private static String refusal(Path dir, String name) {
        return assertThrows(IOException.class, () -> NodeCertificate.load(dir, name)).getMessage();
    }

    @Test
    public void aGoodFolderLoads() throws IOException {
        NodeCertificate c = NodeCertificate.load(node(ca, "node1"), "node1");
        assertEquals("node1", c.name());
        assertEquals(1, c.authorities().size());
    }

    @Test
    public void noFilesNoStart() throws IOException {
        Path empty = TMP.newFolder().toPath();
        String why = refusal(empty, "node1");
        assertTrue(why, why.contains("bin/cutover-certs node"));
    }

    @Test
    public void anotherNodesCertificateIsRefused() throws IOException {
        String why = refusal(node(ca, "node2"), "node1");
        assertTrue(why, why.contains("certificate of 'node2', not of this node 'node1'"));
    }

    @Test
    public void aKeyOthersMayReadIsRefused() throws IOException {
        Path dir = node(ca, "node1");
        Files.setPosixFilePermissions(dir.resolve("node.key"), PosixFilePermissions.fromString("rw-r-----"));
        String why = refusal(dir, "node1");
        assertTrue(why, why.contains("chmod 600"));
    }

    @Test
    public void aKeyOfAnotherCertificateIsRefused() throws IOException {
        Path dir = node(ca, "node1");
        Files.copy(node(ca, "node1").resolve("node.key"), dir.resolve("node.key"), StandardCopyOption.REPLACE_EXISTING);
        String why = refusal(dir, "node1");
        assertTrue(why, why.contains("is not the key of"));
    }

    @Test
    public void aCertificateOfAnotherCaIsRefused() throws IOException {
        Path dir = node(otherCa, "node1");
        TestCertificates.trust(dir, ca);
        String why = refusal(dir, "node1");
        assertTrue(why, why.contains("is not a valid certificate of a CA in"));
    }

    @Test
    public void aNodeCertificateIsNoCa() throws IOException {
        Path dir = node(ca, "node1");
        Files.copy(dir.resolve("node.crt"), dir.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
        String why = refusal(dir, "node1");
        assertTrue(why, why.contains("which is no CA"));
    }
}
