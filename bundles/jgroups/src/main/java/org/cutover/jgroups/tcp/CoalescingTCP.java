package org.cutover.jgroups.tcp;

import java.util.stream.Stream;

import org.jgroups.annotations.ManagedAttribute;
import org.jgroups.annotations.Property;
import org.jgroups.conf.AttributeType;
import org.jgroups.blocks.cs.TcpServer;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.DefaultSocketFactory;

/**
 * JGroups' TCP whose {@code non_blocking_sends} go through {@link CoalescingConnection}s: a queue per connection
 * of at most {@code send_queue_bytes}, where senders wait for room while the peer reads and not longer than
 * {@code send_stall}, and a sender thread that writes everything queued and flushes once. TCP's
 * {@code max_send_queue} (a count of buffers) is not used. With {@code tls.enabled} each of its connections runs
 * its TLS session itself ({@link TlsSession}), with the settings of TCP's {@code tls.*}. Everything else is TCP's.
 * Without {@code non_blocking_sends} this is TCP.
 */
public class CoalescingTCP extends TCP {

    static final long DEFAULT_SEND_QUEUE_BYTES = 2_000_000;
    static final long DEFAULT_SEND_STALL_MS = 500;

    @Property(description = "Bytes queued per connection for its sender thread with non_blocking_sends; a send"
            + " that finds the queue this full waits for room", type = AttributeType.BYTES)
    protected long send_queue_bytes = DEFAULT_SEND_QUEUE_BYTES;

    @Property(description = "How long a send waits for room, counted from the start of the write the connection's"
            + " sender is in; once a write takes longer (the peer stopped reading) sends that find the queue full"
            + " are dropped at once (NAKACK2 and UNICAST3 send them again)", type = AttributeType.TIME)
    protected long send_stall = DEFAULT_SEND_STALL_MS;

    private volatile CoalescingTcpServer coalescing;

    @Override
    public void start() throws Exception {
        super.start();
        if (!non_blocking_sends) {
            return;
        }
        // TCP made a TcpServer bound to the port; it is not started until the channel connects. Its settings go
        // over to a server with coalescing connections on the same port; starting and stopping it is how a
        // TcpServer closes its server socket.
        TcpServer plain = srv;
        int port = ((IpAddress) plain.localAddress()).getPort();
        plain.start();
        plain.stop();
        // with TLS the connections run their sessions themselves (TlsSession) over plain sockets; the other
        // protocols (FD_SOCK2) keep TCP's TLS socket factory
        CoalescingTcpServer server = new CoalescingTcpServer(getThreadFactory(),
                tls.enabled() ? new DefaultSocketFactory() : plain.socketFactory(), bind_addr, port, external_addr,
                external_port, plain.receiveBufferSize());
        if (tls.enabled()) {
            server.tls(new TlsSettings(tls));
        }
        server.sendQueue(send_queue_bytes, send_stall).setLogAcceptError(plain.getLogAcceptError());
        server.setBufferedInputStreamSize(plain.getBufferedInputStreamSize())
                .setBufferedOutputStreamSize(plain.getBufferedOutputStreamSize())
                .peerAddressReadTimeout(plain.peerAddressReadTimeout())
                .nonBlockingSends(true)
                .usePeerConnections(plain.usePeerConnections())
                .receiver(this)
                .timeService(plain.timeService())
                .socketConnectionTimeout(plain.socketConnectionTimeout())
                .tcpNodelay(plain.tcpNodelay())
                .linger(plain.linger())
                .clientBindAddress(plain.clientBindAddress())
                .clientBindPort(plain.clientBindPort())
                .deferClientBinding(plain.deferClientBinding())
                .log(plain.log())
                .logDetails(plain.logDetails())
                .addConnectionListener(this);
        if (plain.sendBufferSize() > 0) {
            server.sendBufferSize(plain.sendBufferSize());
        }
        if (plain.receiveBufferSize() > 0) {
            server.receiveBufferSize(plain.receiveBufferSize());
        }
        if (plain.reaperInterval() > 0) {
            // connExpireTime() is in ns, connExpireTimeout() takes ms
            server.connExpireTimeout(plain.connExpireTime() / 1_000_000).reaperInterval(plain.reaperInterval());
        }
        if (plain.getMaxLength() > 0) {
            server.setMaxLength(plain.getMaxLength());
        }
        srv = server;
        coalescing = server;
    }

    @ManagedAttribute(description = "buffers dropped because a connection's send queue was full, over all"
            + " connections open now")
    public long droppedBuffers() {
        return connections().mapToLong(CoalescingConnection::droppedBuffers).sum();
    }

    /** buffers written per flush over the connections open now; 0 before any flush */
    @ManagedAttribute(description = "buffers written per flush, over all connections open now")
    public double buffersPerFlush() {
        long flushes = connections().mapToLong(CoalescingConnection::flushes).sum();
        return flushes == 0 ? 0 : (double) connections().mapToLong(CoalescingConnection::sentBuffers).sum() / flushes;
    }

    /** how many of the connections open now coalesce: all of them once the channel runs with non_blocking_sends */
    public long coalescingConnections() {
        return connections().count();
    }

    private Stream<CoalescingConnection> connections() {
        CoalescingTcpServer server = coalescing;
        return server == null ? Stream.empty() : server.connections();
    }
}
