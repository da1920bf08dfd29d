package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.Test;

public class ClusterKeyTest {

    @Test
    public void aMissingKeyIsCreatedOwnerOnlyOnceAndAWrongPasswordOrOpenModeIsRefused() throws IOException {
        Path file = Path.of("target", "cluster-key-test", "cutover-cluster.p12");
        Files.deleteIfExists(file);
        assertTrue(ClusterKey.ensure(file, "pw".toCharArray()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse("an existing key is kept", ClusterKey.ensure(file, "pw".toCharArray()));
        IOException wrong = assertThrows(IOException.class, () -> ClusterKey.ensure(file, "other".toCharArray()));
        assertTrue(wrong.getMessage(), wrong.getMessage().contains("cluster.key.password"));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        IOException open = assertThrows(IOException.class, () -> ClusterKey.ensure(file, "pw".toCharArray()));
        assertTrue(open.getMessage(), open.getMessage().contains("chmod 600"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertFalse("owner-only again: accepted", ClusterKey.ensure(file, "pw".toCharArray()));

        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> ClusterKey.ensure(file, "pw".toCharArray()));
    }
}
