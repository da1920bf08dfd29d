package org.cutover.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
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
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * One ssh login to a node's Karaf shell on loopback, with a key or a password: a password never appears on a
 * command line (bin/client's -p would put it in ps). The client is Karaf's own ssh library, Apache MINA SSHD, one
 * per JVM.
 */
public final class SshSession implements AutoCloseable {

    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(30);
    private static SshClient client;

    private final ClientSession session;

    private static final String LOOPBACK = "127.0.0.1";

    private SshSession(ClientSession session) {
        this.session = session;
    }

    /** logs in with a password; an IOException (an SshException) if the node refuses it */
    public static SshSession withPassword(int port, String user, String password) throws IOException {
        return withPassword(LOOPBACK, port, user, password);
    }

    /** as {@link #withPassword(int, String, String)}, to a node at {@code host} */
    public static SshSession withPassword(String host, int port, String user, String password) throws IOException {
        ClientSession session = connect(host, port, user);
        try {
            session.addPasswordIdentity(password);
            session.auth().verify(LOGIN_TIMEOUT);
            return new SshSession(session);
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** logs in with the private key in {@code keyFile} (OpenSSH format, see {@link #newKey}) */
    public static SshSession withKey(int port, String user, Path keyFile) throws IOException {
        return withKey(LOOPBACK, port, user, keyFile);
    }

    /** as {@link #withKey(int, String, Path)}, to a node at {@code host} */
    public static SshSession withKey(String host, int port, String user, Path keyFile) throws IOException {
        ClientSession session = connect(host, port, user);
        try {
            session.setKeyIdentityProvider(new FileKeyPairProvider(keyFile));
            session.auth().verify(LOGIN_TIMEOUT);
            return new SshSession(session);
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private static ClientSession connect(String host, int port, String user) throws IOException {
        return client().connect(user, host, port).verify(LOGIN_TIMEOUT).getSession();
    }

    private static synchronized SshClient client() {
        if (client == null) {
            client = SshClient.setUpDefaultClient();
            // a node's host key is made at its first start, on loopback: there is nothing to check it against
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
        }
        return client;
    }

    /** runs one shell command: its exit status, and its output and error output together */
    public ShellResult exec(String command, Duration timeout) throws IOException {
        return exec(command, timeout, OutputStream.nullOutputStream());
    }

    /** runs one shell command, copying its output to {@code live} as it comes (a progress display) */
    public ShellResult exec(String command, Duration timeout, OutputStream live) throws IOException {
        ChannelExec opened;
        try {
            opened = session.createExecChannel(command);
        } catch (IllegalStateException closing) {
            // the node closed the login meanwhile (it restarted, or dropped an idle session): a new login will do
            throw new IOException("the ssh session is closed: " + closing.getMessage(), closing);
        }
        try (ChannelExec channel = opened) {
            ByteArrayOutputStream collected = new ByteArrayOutputStream();
            OutputStream out = new TeeOutputStream(collected, live);
            channel.setOut(out);
            channel.setErr(out);
            channel.open().verify(LOGIN_TIMEOUT);
            Set<ClientChannelEvent> done = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (!done.contains(ClientChannelEvent.CLOSED)) {
                throw new CommandTimeoutException("'" + command + "' did not finish in " + timeout.toSeconds() + " s");
            }
            Integer status = channel.getExitStatus();
            return new ShellResult(command, status == null ? -1 : status, collected.toString(StandardCharsets.UTF_8));
        }
    }

    /** runs one shell command with a 60 s bound; its output and error output, whatever its exit status */
    public String exec(String command) throws IOException {
        return exec(command, Duration.ofSeconds(60)).output();
    }

    /** opens an SFTP session; an IOException if the node offers no SFTP */
    public void sftp() throws IOException {
        SftpClientFactory.instance().createSftpClient(session).close();
    }

    public boolean isOpen() {
        return session.isOpen() && !session.isClosing();
    }

    @Override
    public void close() throws IOException {
        session.close();
    }

    /** the command ran longer than it was given (the channel is closed; the session may be reused) */
    public static final class CommandTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        CommandTimeoutException(String message) {
            super(message);
        }
    }

    /**
     * Makes an ssh key pair: the private key at {@code file} in OpenSSH's format, readable by its owner only;
     * returns the public key as etc/keys.properties wants it (the base64 blob). RSA, not ECDSA: Karaf 4.4.10's
     * PublickeyLoginModule reads an EC point's coordinates as signed numbers, so it refuses about one ECDSA key in
     * 256 (a coordinate starting 0xff, then a byte of 0x80 or more) for good; a CI run met one (SshSessionTest).
     */
    public static String newKey(Path file) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(3072);
            KeyPair pair = generator.generateKeyPair();
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (var out = Files.newOutputStream(tmp)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "cutover-admin", null, out);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            // "ssh-rsa AAAA...": keys.properties takes the second field
            return PublicKeyEntry.toString(pair.getPublic()).split(" ")[1];
        } catch (GeneralSecurityException e) {
            throw new IOException("could not make an ssh key: " + e, e);
        }
    }

    /** writes to two streams; flushes the second at once (a terminal) */
    private static final class TeeOutputStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeOutputStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
            second.flush();
        }
    }
}
