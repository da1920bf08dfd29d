package org.cutover.core.internal.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/** What a node's JGroups port does with a connection: TLS with a given certificate, or JGroups in the clear. */
public final class TlsProbe {

    public static final String ACCEPTED = "accepted";
    public static final String REFUSED = "refused";

    private TlsProbe() {
    }

    /**
     * Opens TLS with {@code context}'s certificate, then waits for the node's verdict. In TLS 1.3 the client's
     * handshake ends before the server has checked the client's certificate: a refusal arrives on the first read,
     * as an alert or as the close. A node that accepted reads the JGroups greeting the probe sends and then waits
     * for frames, so the read times out. The probe must trust the node's CA.
     *
     * @return ACCEPTED or REFUSED
     */
    public static String handshake(SSLContext context, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(1_500);
            try {
                s.startHandshake();
            } catch (SSLException e) {
                for (Throwable c = e; c != null; c = c.getCause()) {
                    if (c instanceof java.security.cert.CertificateException) {
                        // the probe's own verdict on the node's certificate, not the node's on the probe's
                        throw new AssertionError("the probe does not trust the node at port " + port + ": " + e, e);
                    }
                }
                return REFUSED; // the node's alert
            } catch (java.net.SocketException closedMidHandshake) {
                return REFUSED;
            }
            try {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                greeting(out);
                out.flush();
                return s.getInputStream().read() == -1 ? REFUSED : ACCEPTED;
            } catch (SocketTimeoutException waitingForTheGreeting) {
                return ACCEPTED;
            } catch (IOException alertOrReset) {
                return REFUSED;
            }
        }
    }

    /**
     * Sends what a plain JGroups peer sends first (the greeting, then a frame length) and reads the node's reply.
     *
     * @return REFUSED when the node drops the connection: the write breaks, or nothing comes back but the close,
     *         at most after one TLS alert record (content type 21); ACCEPTED when it keeps reading (3 s) or
     *         sends anything else
     */
    public static String plain(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(3_000);
            try {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                greeting(out);
                out.writeInt(64); // a frame length; a node that reads it waits for the frame
                out.flush();
            } catch (java.net.SocketException closedOnUs) {
                return REFUSED;
            }
            byte[] reply;
            try {
                reply = s.getInputStream().readAllBytes();
            } catch (SocketTimeoutException stillReading) {
                return ACCEPTED;
            } catch (java.net.SocketException reset) {
                return REFUSED;
            }
            // nothing, or one alert record: type 21, version 3.x, length 2, level and description
            return reply.length == 0 || (reply.length == 7 && reply[0] == 21 && reply[1] == 3) ? REFUSED : ACCEPTED;
        }
    }

    /** what JGroups' TcpConnection sends first: cookie, version, the length of its address, the address */
    public static void greeting(DataOutputStream out) throws IOException {
        org.jgroups.stack.IpAddress self = new org.jgroups.stack.IpAddress("127.0.0.1", 1);
        out.write(new byte[] {'b', 'e', 'l', 'a'});
        out.writeShort(org.jgroups.Version.version);
        out.writeShort(self.serializedSize());
        self.writeTo(out);
    }
}
