package org.cutover.jgroups.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * One TLS session over a connected socket, run by an {@link SSLEngine}: what is written between two flushes goes
 * out as its records in one write to the socket, and the socket is read up to {@link #READ_BYTES} at a time, many
 * records per read. JDK 17's {@code SSLSocket} writes each record (16 KB at most) with a write of its own and reads
 * each with two (its header, then its body): over loopback TLS made 7x the read and 6x the write calls of plain
 * TCP per 1 KB message and took 19-33 % more CPU per message (TlsCostBench, 2026-12-04), more than its ciphers
 * (AES-GCM runs at about 5 GB/s here).
 * <p>
 * The input is read by one thread at a time (the connection's receiver); writes and flushes may come from any
 * thread, one at a time. The reader never waits for a writer (see {@link #afterRecord}).
 */
final class TlsSession {

    /** the most read from the socket at once */
    static final int READ_BYTES = 64 * 1024;
    /** records wrapped and not yet written: written once a flush comes or this fills */
    static final int WRITE_BYTES = 256 * 1024;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    private final InputStream rawIn;
    private final OutputStream rawOut;
    private final ReentrantLock writing = new ReentrantLock();
    /** bytes read from the socket and not yet unwrapped; between calls ready to be read (position to limit) */
    private ByteBuffer netIn;
    /** application bytes unwrapped and not yet read; ready to be read as netIn */
    private ByteBuffer appIn;
    /** records wrapped and not yet written; ready to be filled */
    private final ByteBuffer netOut;
    private final InputStream input = new Input();
    private final OutputStream output = new Output();
    private boolean inboundDone;

    TlsSession(SSLEngine engine, InputStream rawIn, OutputStream rawOut) {
        this.engine = engine;
        this.rawIn = rawIn;
        this.rawOut = rawOut;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(READ_BYTES + packet).limit(0);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).limit(0);
        this.netOut = ByteBuffer.allocate(Math.max(WRITE_BYTES, 2 * packet));
    }

    /**
     * A session over {@code socket}, its handshake done within {@code timeoutMillis} (0: no limit).
     *
     * @param client the side that connected
     * @param parameters the protocols, cipher suites and, on the accepting side, the client authentication
     */
    static TlsSession open(Socket socket, SSLContext context, SSLParameters parameters, boolean client,
            int timeoutMillis) throws IOException {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(client);
        engine.setSSLParameters(parameters);
        TlsSession session = new TlsSession(engine, socket.getInputStream(), socket.getOutputStream());
        int before = socket.getSoTimeout();
        socket.setSoTimeout(timeoutMillis);
        try {
            session.handshake();
        } finally {
            socket.setSoTimeout(before);
        }
        return session;
    }

    InputStream input() {
        return input;
    }

    OutputStream output() {
        return output;
    }

    void handshake() throws IOException {
        try {
            handshakeSteps();
        } catch (SSLException e) {
            throw alertSent(e);
        }
    }

    private void handshakeSteps() throws IOException {
        engine.beginHandshake();
        HandshakeStatus status = engine.getHandshakeStatus();
        while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
            switch (status) {
                case NEED_WRAP -> {
                    writing.lock();
                    try {
                        status = wrap(NOTHING).getHandshakeStatus();
                        writeOut();
                        rawOut.flush();
                    } finally {
                        writing.unlock();
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult r = unwrap();
                    if (r == null || r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the peer closed the connection in the TLS handshake");
                    }
                    status = r.getHandshakeStatus();
                }
                case NEED_TASK -> status = runTasks();
                default -> throw new SSLException("TLS handshake in state " + status);
            }
        }
    }

    /**
     * A handshake that failed here (the peer's certificate not trusted) owes the peer its alert: the engine wraps it
     * once it has failed, and a failed wrap leaves it in netOut. Unsent, the peer waited for more of the handshake
     * until its read timed out (5 s in TlsSessionTest, which failed when that came before its own 5 s wait).
     */
    private SSLException alertSent(SSLException failure) {
        writing.lock();
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                if (engine.wrap(NOTHING, netOut).bytesProduced() == 0) {
                    break;
                }
            }
        } catch (SSLException | RuntimeException e) {
            // the engine may refuse to wrap after its failure: what it wrapped before is in netOut
        } finally {
            try {
                writeOut();
                rawOut.flush();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            writing.unlock();
        }
        return failure;
    }

    private HandshakeStatus runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        return engine.getHandshakeStatus();
    }

    /**
     * What the engine asks for after the reader unwrapped a record outside the handshake. A record it owes the peer
     * (the answer to a key update) is not written here: the engine puts it ahead of the next record the writer
     * wraps. The reader must never wait for the writer: with both peers' writers blocked on full socket buffers,
     * readers waiting for their writers' lock to answer a key update read nothing more, and both sides stopped for
     * good (TlsSessionTest, keys renewed every 64 KB).
     */
    private void afterRecord(HandshakeStatus status) {
        if (status == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
    }

    /** wraps into netOut, writing it out first when it has no room for a record; holding the write lock */
    private SSLEngineResult wrap(ByteBuffer src) throws IOException {
        while (true) {
            SSLEngineResult r = engine.wrap(src, netOut);
            switch (r.getStatus()) {
                case OK:
                    return r;
                case BUFFER_OVERFLOW:
                    if (netOut.position() == 0) {
                        throw new SSLException("a TLS record larger than " + netOut.capacity() + " bytes");
                    }
                    writeOut();
                    break;
                case CLOSED:
                    throw new SocketException("the TLS session is closed");
                default:
                    throw new SSLException("TLS wrap: " + r.getStatus());
            }
        }
    }

    /** writes the wrapped records with one write; holding the write lock */
    private void writeOut() throws IOException {
        if (netOut.position() > 0) {
            rawOut.write(netOut.array(), netOut.arrayOffset(), netOut.position());
            netOut.clear();
        }
    }

    /** one record from netIn into appIn, reading from the socket as needed; null at the end of the stream */
    private SSLEngineResult unwrap() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK:
                case CLOSED:
                    return r;
                case BUFFER_UNDERFLOW:
                    if (!readMore()) {
                        return null;
                    }
                    break;
                case BUFFER_OVERFLOW:
                    // a record larger than the session said: make room for it beside what is unread
                    ByteBuffer bigger = ByteBuffer.allocate(appIn.remaining()
                            + engine.getSession().getApplicationBufferSize());
                    bigger.put(appIn).flip();
                    appIn = bigger;
                    break;
                default:
                    throw new SSLException("TLS unwrap: " + r.getStatus());
            }
        }
    }

    /** reads what the socket has, up to the room in netIn; false at the end of the stream */
    private boolean readMore() throws IOException {
        netIn.compact();
        try {
            if (!netIn.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() + engine.getSession().getPacketBufferSize());
                netIn.flip();
                bigger.put(netIn);
                netIn = bigger;
            }
            int n = rawIn.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
            if (n < 0) {
                return false;
            }
            netIn.position(netIn.position() + n);
            return true;
        } finally {
            netIn.flip();
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!appIn.hasRemaining()) {
                if (inboundDone) {
                    return -1;
                }
                SSLEngineResult r = unwrap();
                if (r == null) {
                    // the socket ended without the peer's close_notify: as a plain socket's end; a frame cut short
                    // by it fails where it is read
                    inboundDone = true;
                    return -1;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    inboundDone = true;
                } else {
                    afterRecord(r.getHandshakeStatus());
                }
            }
            int n = Math.min(len, appIn.remaining());
            appIn.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return appIn.remaining();
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writing.lock();
            try {
                ByteBuffer src = ByteBuffer.wrap(b, off, len);
                while (src.hasRemaining()) {
                    SSLEngineResult r = wrap(src);
                    if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                }
            } finally {
                writing.unlock();
            }
        }

        @Override
        public void flush() throws IOException {
            writing.lock();
            try {
                writeOut();
                rawOut.flush();
            } finally {
                writing.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            // the connection closes the socket; a close_notify could block on a peer that stopped reading
        }
    }

    @Override
    public String toString() {
        return "TLS session " + engine.getSession().getProtocol() + " " + engine.getSession().getCipherSuite();
    }
}
