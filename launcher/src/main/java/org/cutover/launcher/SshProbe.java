package org.cutover.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a plain TCP connection to an ssh port gets: an ssh server sends its identification line ("SSH-2.0-...") as
 * soon as it has accepted the connection, before the client says anything. A Karaf node's ssh server that stopped
 * accepting still has its port open, so the kernel completes the connection and then nothing comes.
 */
final class SshProbe {

    enum Answer {
        /** the server sent its identification line */
        IDENTIFIED,
        /** connected, but no identification line within the wait: the server does not accept */
        SILENT,
        /** no connection at all (nothing listens, or the node is unreachable) */
        UNREACHABLE
    }

    private SshProbe() {
    }

    static Answer probe(String host, int port, Duration wait) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) wait.toMillis());
            s.setSoTimeout((int) wait.toMillis());
            InputStream in = s.getInputStream();
            byte[] start = in.readNBytes(4);
            return new String(start, StandardCharsets.US_ASCII).equals("SSH-") ? Answer.IDENTIFIED : Answer.SILENT;
        } catch (SocketTimeoutException silent) {
            return Answer.SILENT;
        } catch (IOException e) {
            return Answer.UNREACHABLE;
        }
    }
}
