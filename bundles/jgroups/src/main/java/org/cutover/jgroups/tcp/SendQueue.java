package org.cutover.jgroups.tcp;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jgroups.util.Bits;

/**
 * The buffers of one connection waiting for its sender thread, bounded in bytes. A buffer that finds the queue
 * full waits for room while the sender makes progress, which slows the senders down to what the peer takes, as
 * blocking sends do; it waits at most {@code stall}, and not beyond {@code stall} from the start of the sender's
 * current write: once a write has taken longer than that (the peer stopped reading: SIGSTOP, a stalled machine)
 * buffers that find the queue full are dropped at once, so no sending thread waits on that peer again until it
 * reads. A closed queue drops everything at once.
 * <p>
 * Each buffer is copied (the bundler reuses its own once the send returns) as a frame, its 4-byte length and its
 * bytes, into one of two arrays that the queue and its sender swap and reuse. A new array per buffer was 31 % of
 * all the bytes three nodes allocated under open-loop traffic (JFR, 2026-12-04), a young collection every second.
 */
final class SendQueue {

    /** the size of a new array; an array grows to what one take carries */
    static final int INITIAL_BYTES = 64 * 1024;
    /**
     * an array above this size is let go when no take has filled a quarter of an array for {@link #BURST_NANOS}: a
     * burst has passed (FD_ALL3's heartbeats write at least every 3 s, so a quiet connection lets go too). Letting
     * it go at the first small take instead reallocated an array of 1-3 MB at most takes under steady traffic,
     * where entries of up to 1 MB alternate with small messages.
     */
    static final int RETAINED_BYTES = 512 * 1024;
    static final long BURST_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] NONE = new byte[0];

    /** what the sender writes in one go: {@code count} frames in {@code bytes[0, length)} */
    record Frames(byte[] bytes, int length, int count) {
    }

    private final long capacityBytes;
    private final long stallNanos;
    private final java.util.function.LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition room = lock.newCondition();
    /** the frames queued, in {@code filling[0, fillingLength)} */
    private byte[] filling = new byte[INITIAL_BYTES];
    private int fillingLength;
    private int fillingCount;
    /** the array the sender wrote last, for the next take; null when it was let go */
    private byte[] spare;
    /** the buffers' bytes queued, without their lengths */
    private long queuedBytes;
    /** bytes taken by the sender and not yet written */
    private long writingBytes;
    /** System.nanoTime() when the sender took what it writes now; 0 when it is not writing */
    private long writingSince;
    /** the clock's time when a take last filled a quarter of its array or more */
    private long wellUsedAt;
    private long dropped;
    private boolean closed;

    SendQueue(long capacityBytes, long stall, TimeUnit unit) {
        this(capacityBytes, stall, unit, System::nanoTime);
    }

    /** @param clock nanoseconds, for when arrays are let go only */
    SendQueue(long capacityBytes, long stall, TimeUnit unit, java.util.function.LongSupplier clock) {
        this.capacityBytes = capacityBytes;
        this.stallNanos = unit.toNanos(stall);
        this.clock = clock;
        this.wellUsedAt = clock.getAsLong();
    }

    /**
     * Queues a copy of the bytes, after waiting for room if need be.
     *
     * @return false when the buffer was dropped
     */
    boolean offer(byte[] data, int offset, int length) {
        lock.lock();
        try {
            // a send waits at most the stall in all: with no write going on (the sender thread between two takes,
            // or gone with its connection) nothing else bounds it
            long deadline = System.nanoTime() + stallNanos;
            // an empty queue takes any buffer, whatever its size
            while (!closed && fillingCount > 0 && queuedBytes + writingBytes + length > capacityBytes) {
                long now = System.nanoTime();
                long left = deadline - now;
                if (writingSince != 0) {
                    left = Math.min(left, stallNanos - (now - writingSince));
                }
                if (left <= 0) {
                    dropped++;
                    return false;
                }
                try {
                    room.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    dropped++;
                    return false;
                }
            }
            if (closed) {
                dropped++;
                return false;
            }
            int end = fillingLength + 4 + length;
            if (end > filling.length) {
                filling = java.util.Arrays.copyOf(filling, Math.max(end, 2 * filling.length));
            }
            Bits.writeInt(length, filling, fillingLength); // as TcpConnection.doSend writes a frame's length
            System.arraycopy(data, offset, filling, fillingLength + 4, length);
            fillingLength = end;
            fillingCount++;
            queuedBytes += length;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** the connection closed: waiting and later sends are dropped at once, what is queued is let go */
    void close() {
        lock.lock();
        try {
            closed = true;
            filling = NONE;
            fillingLength = 0;
            fillingCount = 0;
            spare = null;
            queuedBytes = 0;
            room.signalAll();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Everything queued, waiting for a buffer if there is none; the sender's write starts. Null once the queue is
     * closed. The frames' array is the sender's until it hands it back with {@link #written}.
     */
    Frames take() throws InterruptedException {
        lock.lock();
        try {
            while (fillingCount == 0 && !closed) {
                notEmpty.await();
            }
            if (closed) {
                return null;
            }
            Frames taken = new Frames(filling, fillingLength, fillingCount);
            filling = spare != null ? spare : new byte[INITIAL_BYTES];
            spare = null;
            fillingLength = 0;
            fillingCount = 0;
            writingBytes = queuedBytes;
            queuedBytes = 0;
            writingSince = Math.max(1, System.nanoTime());
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** the sender wrote and flushed what it took last; the array serves again unless a past burst left it oversized */
    void written(Frames frames) {
        lock.lock();
        try {
            writingBytes = 0;
            writingSince = 0;
            byte[] used = frames.bytes();
            long now = clock.getAsLong();
            if (frames.length() >= used.length / 4) {
                wellUsedAt = now;
            }
            if (!closed && (used.length <= RETAINED_BYTES || now - wellUsedAt < BURST_NANOS)) {
                spare = used;
            }
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }
}
