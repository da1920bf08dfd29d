package org.cutover.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.crypto.KeyGenerator;

/**
 * The cluster's secret: one AES-256 key in a PKCS12 file that every node of
 * the cluster must hold (JGroups SYM_ENCRYPT encrypts all traffic with it). A
 * node that starts without the file creates one, so a single node works out of
 * the box; a node with another key can neither join nor be heard.
 */
public final class ClusterKey {

    public static final String ALIAS = "cutover";
    private static final System.Logger LOG = System.getLogger(ClusterKey.class.getName());

    private ClusterKey() {
    }

    /**
     * @return true if the file was created now
     * @throws IOException if the file exists but holds no usable key under that password
     */
    public static boolean ensure(Path file, char[] password) throws IOException {
        if (Files.exists(file)) {
            check(file, password);
            return false;
        }
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setEntry(ALIAS, new KeyStore.SecretKeyEntry(generator.generateKey()),
                    new KeyStore.PasswordProtection(password));
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "cluster-key", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                store.store(out, password);
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // the file system has no POSIX permissions; the folder's must do
            }
            Files.move(tmp, file);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot create the cluster key " + file + ": " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.WARNING, "created a new cluster key " + file + ": every node of this cluster"
                + " needs this same file, or it can neither join nor be heard; copy it to the others before they start");
        return true;
    }

    /** a key others on the machine may read is no secret: the node refuses it rather than use it */
    static void requireOwnerOnly(Path file) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException notPosix) {
            return; // the file system has no POSIX permissions; the folder's must do
        }
        java.util.Set<java.nio.file.attribute.PosixFilePermission> others = java.util.EnumSet.copyOf(perms);
        others.removeAll(java.util.EnumSet.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
        if (!others.isEmpty()) {
            throw new IOException("the cluster key file " + file + " is open to group or others ("
                    + PosixFilePermissions.toString(perms) + "); make it readable by its owner only: chmod 600 "
                    + file);
        }
    }

    private static void check(Path file, char[] password) throws IOException {
        requireOwnerOnly(file);
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            if (!(store.getEntry(ALIAS, new KeyStore.PasswordProtection(password))
                    instanceof KeyStore.SecretKeyEntry)) {
                throw new IOException("the cluster key file " + file + " holds no secret key named '" + ALIAS + "'");
            }
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("the cluster key file " + file + " cannot be read with the configured password ("
                    + e.getMessage() + "); put the cluster's key file there, or set cluster.key.password", e);
        }
    }
}
