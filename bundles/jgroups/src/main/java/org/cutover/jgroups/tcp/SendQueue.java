package org.cutover.jgroups.tcp;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jgroups.util.ByteArray;

/**
 * The buffers of one connection waiting for its sender thread, bounded in bytes. A buffer that finds the queue
 * full waits for room while the sender makes progress, which slows the senders down to what the peer takes, as
 * blocking sends do; it waits at most {@code stall}, and not beyond {@code stall} from the start of the sender's
 * current write: once a write has taken longer than that (the peer stopped reading: SIGSTOP, a stalled machine)
 * buffers that find the queue full are dropped at once, so no sending thread waits on that peer again until it
 * reads. A closed queue drops everything at once.
 */
final class SendQueue {

    private final long capacityBytes;
    private final long stallNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<ByteArray> buffers = new ArrayDeque<>();
    private long queuedBytes;
    /** bytes taken by the sender and not yet written */
    private long writingBytes;
    /** System.nanoTime() when the sender took what it writes now; 0 when it is not writing */
    private long writingSince;
    private long dropped;
    private boolean closed;

    SendQueue(long capacityBytes, long stall, TimeUnit unit) {
        this.capacityBytes = capacityBytes;
        this.stallNanos = unit.toNanos(stall);
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
            while (!closed && !buffers.isEmpty() && queuedBytes + writingBytes + length > capacityBytes) {
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
            // a copy: the bundler reuses its buffer once the send returns
            buffers.add(new ByteArray(data, offset, length).copy());
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
            buffers.clear();
            queuedBytes = 0;
            room.signalAll();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * moves every queued buffer to {@code batch}, waiting for one if there is none; the sender's write starts.
     * Once the queue is closed the batch stays empty.
     */
    void takeAll(List<ByteArray> batch) throws InterruptedException {
        lock.lock();
        try {
            while (buffers.isEmpty() && !closed) {
                notEmpty.await();
            }
            if (closed) {
                return;
            }
            batch.addAll(buffers);
            buffers.clear();
            writingBytes = queuedBytes;
            queuedBytes = 0;
            writingSince = Math.max(1, System.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /** the sender wrote and flushed what it took last */
    void written() {
        lock.lock();
        try {
            writingBytes = 0;
            writingSince = 0;
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
