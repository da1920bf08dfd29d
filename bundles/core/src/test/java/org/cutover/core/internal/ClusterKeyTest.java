package org.cutover.core.internal;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

public class ClusterKeyTest {

    @Test
    public void aMissingKeyIsCreatedOnceAndAWrongPasswordIsRefused() throws IOException {
        Path file = Path.of("target", "cluster-key-test", "cutover-cluster.p12");
        Files.deleteIfExists(file);
        assertTrue(ClusterKey.ensure(file, "pw".toCharArray()));
        assertFalse("an existing key is kept", ClusterKey.ensure(file, "pw".toCharArray()));
        IOException wrong = assertThrows(IOException.class, () -> ClusterKey.ensure(file, "other".toCharArray()));
        assertTrue(wrong.getMessage(), wrong.getMessage().contains("cluster.key.password"));
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> ClusterKey.ensure(file, "pw".toCharArray()));
    }
}
