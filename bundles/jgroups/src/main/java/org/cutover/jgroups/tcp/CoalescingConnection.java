package org.cutover.jgroups.tcp;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.concurrent.atomic.LongAdder;

import org.jgroups.Address;
import org.jgroups.blocks.cs.TcpConnection;
import org.jgroups.util.ThreadFactory;

/**
 * A TCP connection with a sender thread of its own, like JGroups 5.4's TcpConnectionNonBlocking, so that a peer
 * that stopped reading does not hold the thread that sends. Unlike it:
 * <ul>
 * <li>the queue ({@link SendQueue}) is bounded in bytes and makes senders wait for room while the peer reads.
 * JGroups' queue of 128 buffers drops a buffer that finds it full: over TLS, 1 KB bursts dropped 1,873 buffers and
 * NAKACK2 sent 185 multicasts again in one TlsCostBench run (none with blocking sends), each one waiting for
 * NAKACK2's next round; 8 MB without waiting still dropped 685-745.</li>
 * <li>the sender writes everything queued in one write and then flushes once, where 5.4's flushes after each
 * buffer (with TLS a record and a write each).</li>
 * </ul>
 */
final class CoalescingConnection extends TcpConnection {

    private final SendQueue queue;
    private final ThreadFactory threads;
    private final LongAdder buffers = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private volatile Thread sender;
    /** true for a connection this node opens; false (the default) while the accepting constructor runs */
    private boolean connecting;
    /** the TLS session, once open; null on plain TCP. Set while TcpConnection's accepting constructor runs */
    private TlsSession tls;

    CoalescingConnection(Address peer, CoalescingTcpServer server, SendQueue queue, ThreadFactory threads)
            throws Exception {
        super(peer, server);
        this.queue = queue;
        this.threads = threads;
        this.connecting = true;
    }

    /** an accepted connection: reads the peer's address from the socket */
    CoalescingConnection(Socket socket, CoalescingTcpServer server, SendQueue queue, ThreadFactory threads)
            throws Exception {
        super(socket, server);
        this.queue = queue;
        this.threads = threads;
    }

    /**
     * TcpConnection asks for its output stream first, once the socket is connected (by {@code connect}) or accepted
     * (in its constructor, before this class's fields are set): over TLS the session's handshake runs here.
     */
    @Override
    protected OutputStream createDataOutputStream(OutputStream socketOut) {
        CoalescingTcpServer s = (CoalescingTcpServer) server;
        if (s.tls() == null) {
            return super.createDataOutputStream(socketOut);
        }
        try {
            tls = s.tls().open(sock, connecting, connecting ? s.socketConnectionTimeout()
                    : s.peerAddressReadTimeout());
        } catch (IOException e) {
            throw new UncheckedIOException("TLS handshake with " + sock.getRemoteSocketAddress() + " failed: "
                    + e.getMessage(), e);
        }
        return super.createDataOutputStream(tls.output());
    }

    @Override
    protected DataInputStream createDataInputStream(InputStream socketIn) {
        return super.createDataInputStream(tls == null ? socketIn : tls.input());
    }

    @Override
    public void send(byte[] data, int offset, int length) {
        if (out == null) {
            return; // not connected yet: what TcpConnection does too
        }
        queue.offer(data, offset, length);
    }

    @Override
    public void start() {
        super.start();
        Thread t = threads.newThread(this::drain, "coalescing sender to " + peerAddress());
        sender = t;
        t.start();
    }

    @Override
    public void close() throws IOException {
        super.close();
        queue.close();
        Thread t = sender;
        if (t != null) {
            t.interrupt();
        }
    }

    long droppedBuffers() {
        return queue.dropped();
    }

    long sentBuffers() {
        return buffers.sum();
    }

    long flushes() {
        return flushes.sum();
    }

    private void drain() {
        try {
            while (isConnected()) {
                SendQueue.Frames frames = queue.take();
                if (frames == null) {
                    return; // closed
                }
                // only this thread writes once the connection has started; the frames are what doSend writes
                out.write(frames.bytes(), 0, frames.length());
                out.flush();
                queue.written(frames);
                buffers.add(frames.count());
                flushes.increment();
            }
        } catch (InterruptedException e) {
            // close() stops the sender
        } catch (Exception e) {
            if (!isClosed()) {
                // JGroups' sender only tells the listeners and leaves the connection in place, where later sends
                // queue for a thread that is gone; closed and removed, the next send opens a new one
                server.log().warn("%s: sending to %s failed, closing the connection: %s", server.localAddress(),
                        peerAddress(), e);
                server.closeConnection(this);
            }
        }
    }
}
