package org.cutover.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;

import org.apache.karaf.jaas.modules.publickey.PublickeyLoginModule;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The admin key the launcher makes is one the nodes accept: checked with the nodes' own key check */
public class SshSessionTest {

    /** the admin key of a CI run (2026-12-02) whose node refused every login: y starts 0xff 0xa5 */
    private static final String REFUSED_EC_KEY = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMjKPM5lIVovnCiZflXk"
            + "GSvTXAGR94jrt8EpzzWPZdrS/6UsGrjP2ZaR1/+GjhVXaxFv4L/73Kl2ZCE20YoozPc=";

    @Rule
    public final TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void karafRefusesAnEcKeyWhoseCoordinateStartsWithASignByte() throws Exception {
        PublicKey key = PublicKeyEntry.parsePublicKeyEntry("ecdsa-sha2-nistp256 " + REFUSED_EC_KEY)
                .resolvePublicKey(null, null, null);
        assertFalse("Karaf 4.4.10 refuses this key; if it accepts it now, the RSA choice in newKey can be revisited",
                PublickeyLoginModule.equals(key, REFUSED_EC_KEY));
    }

    @Test
    public void everyNewKeyIsAcceptedByKarafsKeyCheckAndKeptOwnerOnly() throws Exception {
        for (int i = 0; i < 4; i++) {
            Path file = folder.getRoot().toPath().resolve("admin" + i + ".key");
            String stored = SshSession.newKey(file);
            KeyPair pair = new FileKeyPairProvider(file).loadKeys(null).iterator().next();
            assertEquals("RSA", pair.getPublic().getAlgorithm());
            assertTrue("Karaf's PublickeyLoginModule accepts key " + i,
                    PublickeyLoginModule.equals(pair.getPublic(), stored));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }
}
