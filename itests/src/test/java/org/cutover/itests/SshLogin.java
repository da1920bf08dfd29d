package org.cutover.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * One ssh login to a node, in the test JVM: a password never appears on a
 * command line (bin/client's -p would put it in ps). With the library of
 * Karaf's own ssh server and bin/client.
 */
final class SshLogin implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final SshClient client;
    private final ClientSession session;

    private SshLogin(SshClient client, ClientSession session) {
        this.client = client;
        this.session = session;
    }

    /** logs in with a password; IOException (an SshException) if the node refuses it */
    static SshLogin withPassword(int port, String user, String password) throws IOException {
        SshClient client = SshClient.setUpDefaultClient();
        // the node's host key is made at its first start, on loopback: nothing to verify it against
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try {
            ClientSession session = client.connect(user, "127.0.0.1", port).verify(TIMEOUT).getSession();
            session.addPasswordIdentity(password);
            session.auth().verify(TIMEOUT);
            return new SshLogin(client, session);
        } catch (IOException | RuntimeException e) {
            client.stop();
            throw e;
        }
    }

    /** runs one shell command; its output and error output together */
    String exec(String command) throws IOException {
        try (ChannelExec channel = session.createExecChannel(command)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            channel.setOut(out);
            channel.setErr(out);
            channel.open().verify(TIMEOUT);
            Set<ClientChannelEvent> done = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            if (!done.contains(ClientChannelEvent.CLOSED)) {
                throw new IOException("'" + command + "' did not finish in " + TIMEOUT.toSeconds() + " s");
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** opens an SFTP session; IOException if the node offers no SFTP */
    void sftp() throws IOException {
        SftpClientFactory.instance().createSftpClient(session).close();
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } finally {
            client.stop();
        }
    }

    /**
     * Makes an ssh key pair for bin/client -k: the private key at {@code file} in OpenSSH's format, readable by
     * its owner only; returns the public key as etc/keys.properties wants it (the base64 blob).
     */
    static String newKey(Path file) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (var out = Files.newOutputStream(tmp)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "cutover-itests", null, out);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            // "ecdsa-sha2-nistp256 AAAA...": keys.properties takes the second field
            return PublicKeyEntry.toString(pair.getPublic()).split(" ")[1];
        } catch (GeneralSecurityException e) {
            throw new IOException("could not make an ssh key: " + e, e);
        }
    }
}
