package org.cutover.jgroups.tcp;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Run in a JVM of its own by {@link TlsSessionTest} (the JDK reads its key limits once per JVM): two sessions over
 * loopback write 8 MB each way at once (or, with a third argument {@code one-way}, only the client writes and the
 * server never does), in pieces of every size, while both read and check what arrives. Exits 0 when every byte
 * arrived in place.
 */
public final class TlsKeyUpdateRun {

    static final int BYTES = 8 << 20;

    private TlsKeyUpdateRun() {
    }

    public static void main(String[] args) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(Path.of(args[0]))) {
            ks.load(in, args[1].toCharArray());
        }
        SSLContext context = TlsSessionTest.context(ks, args[1].toCharArray());
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<TlsSession> accepting = CompletableFuture.supplyAsync(() -> {
                try {
                    SSLParameters p = new SSLParameters();
                    p.setNeedClientAuth(true);
                    return TlsSession.open(listener.accept(), context, p, false, 10_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            TlsSession client = TlsSession.open(socket, context, new SSLParameters(), true, 10_000);
            TlsSession server = accepting.get(10, TimeUnit.SECONDS);
            boolean oneWay = args.length > 2 && args[2].equals("one-way");
            CompletableFuture<?>[] all = oneWay
                    ? new CompletableFuture<?>[] {CompletableFuture.runAsync(() -> write(client, 1)),
                        CompletableFuture.runAsync(() -> check(server, 1))}
                    : new CompletableFuture<?>[] {CompletableFuture.runAsync(() -> write(client, 1)),
                        CompletableFuture.runAsync(() -> write(server, 2)),
                        CompletableFuture.runAsync(() -> check(server, 1)),
                        CompletableFuture.runAsync(() -> check(client, 2))};
            CompletableFuture.allOf(all).get(60, TimeUnit.SECONDS);
            System.out.println("every byte in place: " + BYTES + " each way");
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1); // the writers and readers are not daemons
        }
        System.exit(0);
    }

    private static void write(TlsSession s, long seed) {
        try {
            Random sizes = new Random(seed);
            byte[] stream = stream(seed);
            for (int at = 0; at < BYTES; ) {
                int n = Math.min(BYTES - at, 1 + sizes.nextInt(40_000));
                s.output().write(stream, at, n);
                if (sizes.nextBoolean()) {
                    s.output().flush();
                }
                at += n;
            }
            s.output().flush();
        } catch (Exception e) {
            throw new IllegalStateException("writing " + seed, e);
        }
    }

    private static void check(TlsSession s, long seed) {
        try {
            byte[] got = new byte[BYTES];
            new DataInputStream(s.input()).readFully(got);
            if (!java.util.Arrays.equals(stream(seed), got)) {
                throw new IllegalStateException("the bytes of stream " + seed + " differ");
            }
        } catch (Exception e) {
            throw new IllegalStateException("reading " + seed, e);
        }
    }

    private static byte[] stream(long seed) {
        byte[] b = new byte[BYTES];
        new Random(seed * 31).nextBytes(b);
        return b;
    }
}
