package org.cutover.jgroups.tcp;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.function.Supplier;

import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.jgroups.util.TLS;

/**
 * What TCP's {@code tls.*} attributes ask of a connection, for {@link TlsSession}s: the context (looked up for each
 * connection, so one the node puts in later counts), the protocols and cipher suites, and on the accepting side the
 * client authentication and SNI matchers, as JGroups' own TLS socket factory sets them.
 */
final class TlsSettings {

    private final Supplier<SSLContext> context;
    private final SSLParameters accepting;
    private final SSLParameters connecting;

    TlsSettings(TLS tls) {
        this.context = () -> tls.getSSLContext() != null ? tls.getSSLContext() : tls.createContext();
        this.accepting = parameters(tls);
        this.connecting = parameters(tls);
        switch (tls.getClientAuth()) {
            case NEED -> accepting.setNeedClientAuth(true);
            case WANT -> accepting.setWantClientAuth(true);
            default -> {
            }
        }
        List<SNIMatcher> sni = tls.getSniMatchers();
        if (sni != null) {
            accepting.setSNIMatchers(sni);
        }
    }

    private static SSLParameters parameters(TLS tls) {
        SSLParameters p = new SSLParameters();
        if (tls.getProtocols() != null) {
            p.setProtocols(tls.getProtocols());
        }
        if (tls.getCipherSuites() != null) {
            p.setCipherSuites(tls.getCipherSuites());
        }
        return p;
    }

    /** a session over the connected socket, its handshake done within the timeout */
    TlsSession open(Socket socket, boolean connected, int timeoutMillis) throws IOException {
        return TlsSession.open(socket, context.get(), connected ? connecting : accepting, connected, timeoutMillis);
    }
}
