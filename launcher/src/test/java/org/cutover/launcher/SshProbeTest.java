package org.cutover.launcher;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.Test;

/** The probe against three listeners: one that identifies itself, one that never accepts, and none */
public class SshProbeTest {

    private static final Duration WAIT = Duration.ofMillis(1500);

    @Test
    public void aServerThatAcceptsAndIdentifiesItself() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("SSH-2.0-test\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(WAIT.toMillis());
                } catch (IOException | InterruptedException ignored) {
                    // the probe closed first
                }
            });
            t.start();
            assertEquals(SshProbe.Answer.IDENTIFIED, SshProbe.probe("127.0.0.1", server.getLocalPort(), WAIT));
            t.join();
        }
    }

    /** a listening socket that nobody accepts from: the kernel completes the connection, nothing comes */
    @Test
    public void aServerThatNeverAccepts() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            assertEquals(SshProbe.Answer.SILENT, SshProbe.probe("127.0.0.1", server.getLocalPort(), WAIT));
        }
    }

    @Test
    public void nothingListens() throws Exception {
        int port;
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            port = server.getLocalPort();
        }
        assertEquals(SshProbe.Answer.UNREACHABLE, SshProbe.probe("127.0.0.1", port, WAIT));
    }
}
