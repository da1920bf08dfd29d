package org.cutover.jgroups.tcp;

import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jgroups.Address;
import org.jgroups.blocks.cs.TcpConnection;
import org.jgroups.blocks.cs.TcpServer;
import org.jgroups.util.SocketFactory;
import org.jgroups.util.ThreadFactory;
import org.jgroups.util.Util;

/**
 * JGroups' TcpServer with {@link CoalescingConnection}s, both for the connections it opens and for those it
 * accepts. TcpServer picks the class of an accepted connection in its acceptor, so this one runs an acceptor of
 * its own.
 */
final class CoalescingTcpServer extends TcpServer {

    CoalescingTcpServer(ThreadFactory threads, SocketFactory sockets, InetAddress bindAddress, int port,
            InetAddress externalAddress, int externalPort, int receiveBufferSize) throws Exception {
        super(threads, sockets, bindAddress, port, port, externalAddress, externalPort, receiveBufferSize);
        // TcpServer made an acceptor thread of its own here; it is never started
        acceptor = threads.newThread(new CoalescingAcceptor(), "TcpServer.Acceptor[" + port + "]");
    }

    private long sendQueueBytes = CoalescingTCP.DEFAULT_SEND_QUEUE_BYTES;
    private long sendStallMillis = CoalescingTCP.DEFAULT_SEND_STALL_MS;
    private TlsSettings tls;

    CoalescingTcpServer sendQueue(long bytes, long stallMillis) {
        sendQueueBytes = bytes;
        sendStallMillis = stallMillis;
        return this;
    }

    /** every connection runs TLS with these settings over the plain sockets of this server's factory */
    CoalescingTcpServer tls(TlsSettings settings) {
        tls = settings;
        return this;
    }

    /** null on plain TCP */
    TlsSettings tls() {
        return tls;
    }

    @Override
    protected TcpConnection createConnection(Address dest) throws Exception {
        return new CoalescingConnection(dest, this, newQueue(), factory);
    }

    private SendQueue newQueue() {
        return new SendQueue(sendQueueBytes, sendStallMillis, TimeUnit.MILLISECONDS);
    }

    /** the connections open now */
    Stream<CoalescingConnection> connections() {
        return conns.values().stream().filter(c -> c instanceof CoalescingConnection)
                .map(c -> (CoalescingConnection) c);
    }

    private final class CoalescingAcceptor extends Acceptor {
        @Override
        protected void handleAccept(Socket socket) throws Exception {
            CoalescingConnection conn = null;
            try {
                conn = new CoalescingConnection(socket, CoalescingTcpServer.this, newQueue(), factory);
                // as JGroups' own acceptor, and not BaseServer.addConnection: that takes the server's lock, which a
                // thread holds for a whole connect (over TLS, its handshake) to a peer whose acceptor may wait for
                // its own lock in turn; three nodes started together deadlocked that way for good
                Address peer = conn.peerAddress();
                boolean exists = hasConnection(peer);
                // an existing connection to the same peer stays unless this side's address is the smaller
                if (!exists || use_peer_connections && local_addr.compareTo(peer) < 0) {
                    replaceConnection(peer, conn);
                    conn.start();
                } else {
                    Util.close(conn);
                }
            } catch (Exception e) {
                Util.close(conn);
                throw e;
            }
        }
    }
}
