package org.cutover.jgroups.tcp;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.DataInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import org.junit.After;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * TLS sessions over loopback sockets, with keys made by the JDK's keytool: what is written between two flushes
 * leaves in one write, and only a peer whose certificate the other trusts gets past the handshake.
 */
public class TlsSessionTest {

    private static final char[] PASSWORD = "test-only".toCharArray();
    private static SSLContext cluster;
    private static SSLContext stranger;
    private ServerSocket listener;
    private Socket accepted;
    private Socket connected;
    /** the server's end of the last {@link #open}: its session, or how its handshake failed */
    private CompletableFuture<TlsSession> serverSide;

    @BeforeClass
    public static void keys() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "tls-session-test"));
        cluster = context(keyStore(dir, "node"));
        stranger = context(keyStore(dir, "stranger"));
    }

    @After
    public void close() throws IOException {
        for (java.io.Closeable c : new java.io.Closeable[] {connected, accepted, listener}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    public void whatIsWrittenBetweenTwoFlushesLeavesInOneWriteAndArrivesWhole() throws Exception {
        AtomicInteger writes = new AtomicInteger();
        TlsSession[] ends = open(cluster, cluster, writes);
        TlsSession client = ends[0];
        TlsSession server = ends[1];
        writes.set(0);
        byte[] frames = new byte[64 * 1000];
        new Random(7).nextBytes(frames);
        for (int i = 0; i < 64; i++) {
            client.output().write(frames, i * 1000, 1000); // each more than a record's overhead, 4 records in all
        }
        assertEquals("nothing goes out before the flush", 0, writes.get());
        client.output().flush();
        assertEquals("one write for the records of 64,000 bytes", 1, writes.get());
        byte[] read = new byte[frames.length];
        new DataInputStream(server.input()).readFully(read);
        assertArrayEquals(frames, read);
        // and back, over the same session
        server.output().write(frames, 0, 5);
        server.output().flush();
        byte[] back = new byte[5];
        new DataInputStream(client.input()).readFully(back);
        assertArrayEquals(java.util.Arrays.copyOf(frames, 5), back);
    }

    /**
     * The stranger's client refuses the cluster's certificate first (it trusts only its own); the server learns it
     * from the client's alert at once, not from its read timing out (5 s: before, the alert stayed unsent).
     */
    @Test
    public void aPeerWhoseCertificateIsNotTrustedIsRefusedInTheHandshakeAndTheOtherSideToldAtOnce() throws Exception {
        try {
            open(stranger, cluster, new AtomicInteger());
            fail("a stranger got past the handshake");
        } catch (SSLException e) {
            long refused = System.nanoTime();
            Throwable serverSaw = serverSide.handle((s, t) -> t).get(10, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - refused) / 1_000_000;
            boolean timedOut = false;
            for (Throwable t = serverSaw; t != null; t = t.getCause()) {
                timedOut |= t instanceof SocketTimeoutException;
            }
            assertTrue("the server's handshake ended " + millis + " ms after the client's, with " + serverSaw,
                    millis < 2_000 && serverSaw != null && !timedOut);
        }
    }

    @Test
    public void theEndOfTheSocketIsTheEndOfTheInput() throws Exception {
        TlsSession[] ends = open(cluster, cluster, new AtomicInteger());
        connected.close();
        InputStream in = ends[1].input();
        assertEquals(-1, in.read(new byte[10], 0, 10));
        assertEquals(-1, in.read(new byte[10], 0, 10));
    }

    /**
     * Each side renews its keys every 64 KB it sends (the JDK's default is 2^37 bytes of AES-GCM): both sessions
     * write 8 MB at once, so each side's reader meets the other's key updates while its own writer wraps, and must
     * answer them in sequence with what its writer sent.
     */
    @Test
    public void keysRenewedWhileBothSidesWriteLeaveEveryByteInPlace() throws Exception {
        assertTrue(keyUpdates("both-ways") > 100);
    }

    /**
     * The side that only reads owes the writer an answer to each key update it is asked for, and has nothing to put
     * it ahead of: its reader goes on reading (the engine unwraps on while it owes the answer).
     */
    @Test
    public void keysRenewedWhileOnlyOneSideWritesLeaveEveryByteInPlace() throws Exception {
        assertTrue(keyUpdates("one-way") > 50);
    }

    /** runs {@link TlsKeyUpdateRun} in a JVM whose keys are renewed every 64 KB; the key updates the JDK logged */
    private static long keyUpdates(String mode) throws Exception {
        Path dir = Path.of("target", "tls-session-test");
        Path security = dir.resolve("key-limits.security");
        Files.writeString(security, "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^16\n");
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + security.toAbsolutePath(), "-Djavax.net.debug=ssl:handshake",
                "-cp", System.getProperty("java.class.path"), TlsKeyUpdateRun.class.getName(),
                dir.resolve("node.p12").toString(), new String(PASSWORD), mode).redirectErrorStream(true).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return run.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!run.waitFor(2, TimeUnit.MINUTES)) {
            run.destroyForcibly();
        }
        String log = new String(out.get(30, TimeUnit.SECONDS), java.nio.charset.StandardCharsets.UTF_8);
        String tail = log.substring(Math.max(0, log.length() - 3000));
        assertEquals(tail, 0, run.exitValue());
        assertTrue(tail, log.contains("every byte in place"));
        long updates = log.lines().filter(l -> l.contains("\"KeyUpdate\": {")).count();
        System.out.println("TlsSessionTest " + mode + ": " + updates + " key updates in the JDK's log");
        return updates;
    }

    /** a client with {@code client}'s keys and a server with {@code server}'s that needs client authentication */
    private TlsSession[] open(SSLContext client, SSLContext server, AtomicInteger clientWrites) throws Exception {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        serverSide = CompletableFuture.supplyAsync(() -> {
            try {
                accepted = listener.accept();
                SSLParameters p = new SSLParameters();
                p.setProtocols(new String[] {"TLSv1.3"});
                p.setNeedClientAuth(true);
                return TlsSession.open(accepted, server, p, false, 5000);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        connected = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        SSLEngine engine = client.createSSLEngine();
        engine.setUseClientMode(true);
        OutputStream counted = new FilterOutputStream(connected.getOutputStream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                clientWrites.incrementAndGet();
                out.write(b, off, len);
            }
        };
        connected.setSoTimeout(5000);
        TlsSession c = new TlsSession(engine, connected.getInputStream(), counted);
        c.handshake(); // a client that refuses the server throws here; serverSide tells what the server saw
        TlsSession s = serverSide.get(5, TimeUnit.SECONDS);
        assertTrue(s.toString(), s.toString().contains("TLSv1.3"));
        return new TlsSession[] {c, s};
    }

    private static KeyStore keyStore(Path dir, String name) throws Exception {
        Path file = dir.resolve(name + ".p12");
        Files.deleteIfExists(file);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", name, "-dname", "CN=" + name,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass",
                new String(PASSWORD)).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertTrue("keytool: " + out, keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static SSLContext context(KeyStore ks) throws Exception {
        return context(ks, PASSWORD);
    }

    /** its own key, and only its own certificate trusted */
    static SSLContext context(KeyStore ks, char[] password) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext c = SSLContext.getInstance("TLSv1.3");
        c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return c;
    }
}
