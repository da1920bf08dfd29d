package org.cutover.core.internal.upgrade;

import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import org.cutover.core.internal.testing.TestCertificates;
import org.cutover.core.internal.wire.Envelope.Kar;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A KAR is taken only with a signature of its bytes by a CA the node trusts (bin/cutover-certs sign). */
public class KarTrustTest {

    @Rule
    public final TemporaryFolder folder = new TemporaryFolder();

    private static X509Certificate certificate(Path ca) throws Exception {
        try (InputStream in = Files.newInputStream(ca.resolve("ca.crt"))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    public void onlyASignatureOfTheseBytesByATrustedCaPasses() throws Exception {
        Path cluster = TestCertificates.ca(folder.getRoot().toPath().resolve("cluster-ca"));
        Path other = TestCertificates.ca(folder.getRoot().toPath().resolve("other-ca"));
        Path file = folder.getRoot().toPath().resolve("infra-3.kar");
        byte[] bytes = "a KAR".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(file, bytes);
        byte[] signed = TestCertificates.sign(cluster, file);
        byte[] signedByOther = TestCertificates.sign(other, file);
        List<X509Certificate> trusted = List.of(certificate(cluster));

        assertNull(KarTrust.refusal(new Kar("infra-3.kar", Kar.sha256Of(bytes), bytes, signed), trusted));
        assertNull("any of the trusted CAs (rotation)", KarTrust.refusal(new Kar("infra-3.kar", Kar.sha256Of(bytes),
                bytes, signedByOther), List.of(certificate(cluster), certificate(other))));
        String foreign = KarTrust.refusal(new Kar("infra-3.kar", Kar.sha256Of(bytes), bytes, signedByOther), trusted);
        assertTrue(foreign, foreign.startsWith("infra-3.kar is not signed by a CA this node trusts"));
        byte[] changed = "a KAR!".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue("other bytes under the same signature", KarTrust.refusal(new Kar("infra-3.kar",
                Kar.sha256Of(changed), changed, signed), trusted) != null);
        String unsigned = KarTrust.refusal(new Kar("infra-3.kar", Kar.sha256Of(bytes), bytes), trusted);
        assertTrue(unsigned, unsigned.startsWith("infra-3.kar is not signed: sign it with the cluster CA"));
        byte[] garbage = new byte[7];
        assertTrue(KarTrust.refusal(new Kar("infra-3.kar", Kar.sha256Of(bytes), bytes, garbage), trusted) != null);
    }
}
