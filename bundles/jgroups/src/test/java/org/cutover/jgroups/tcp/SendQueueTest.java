package org.cutover.jgroups.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/** The send queue without a network: the test plays the sender thread. */
public class SendQueueTest {

    private static final byte[] KB = new byte[1000];

    @Test
    public void aFullQueueMakesTheSenderWaitWhileThePeerReads() throws Exception {
        SendQueue q = full(2, TimeUnit.SECONDS);
        CompletableFuture<Boolean> fourth = waitingSend(q);
        SendQueue.Frames taken = q.take();
        assertEquals(3, taken.count());
        Thread.sleep(50);
        assertFalse("the taken bytes count until they are written", fourth.isDone());
        q.written(taken);
        assertTrue("queued once the write ended", fourth.get(1, TimeUnit.SECONDS));
        assertEquals(0, q.dropped());
        assertEquals(1, q.take().count());
    }

    @Test
    public void aWriteLongerThanTheStallDropsAtOnce() throws Exception {
        SendQueue q = full(200, TimeUnit.MILLISECONDS);
        SendQueue.Frames writing = q.take(); // the sender's write starts and never ends: the peer stopped reading
        // what is being written counts against the queue's bytes, but an empty queue takes one buffer anyway
        assertTrue(q.offer(KB, 0, KB.length));
        long t0 = System.nanoTime();
        assertFalse("dropped after waiting out the stall", q.offer(KB, 0, KB.length));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("waited " + waited + " ms", waited >= 100 && waited < 1000);
        t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertFalse(q.offer(KB, 0, KB.length));
        }
        long again = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("no send waits for a stalled peer again: 100 drops took " + again + " ms", again < 100);
        assertEquals(101, q.dropped());
        q.written(writing); // the peer reads again
        assertEquals("what was queued before the drops goes out", 1, q.take().count());
    }

    @Test
    public void aBufferLargerThanTheQueueGoesWhenTheQueueIsEmpty() throws Exception {
        SendQueue q = new SendQueue(500, 100, TimeUnit.MILLISECONDS);
        assertTrue(q.offer(KB, 0, KB.length));
        SendQueue.Frames taken = q.take();
        assertEquals(1, taken.count());
        assertEquals(4 + KB.length, taken.length());
    }

    /** the sender thread between two takes, or gone with its connection: nothing is being written */
    @Test
    public void aSendWaitsAtMostTheStallWhenNothingIsBeingWritten() throws Exception {
        SendQueue q = full(200, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        CompletableFuture<Boolean> fourth = CompletableFuture.supplyAsync(() -> q.offer(KB, 0, KB.length));
        assertFalse("dropped", fourth.get(5, TimeUnit.SECONDS));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("waited " + waited + " ms", waited >= 150 && waited < 1000);
        assertEquals(1, q.dropped());
    }

    @Test
    public void closingDropsWaitingAndLaterSendsAtOnceAndEndsTheSender() throws Exception {
        SendQueue q = full(10, TimeUnit.SECONDS);
        CompletableFuture<Boolean> waiting = waitingSend(q);
        long t0 = System.nanoTime();
        q.close();
        assertFalse("the waiting send is dropped", waiting.get(1, TimeUnit.SECONDS));
        assertFalse("a later send too", q.offer(KB, 0, KB.length));
        assertTrue("at once", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1000);
        assertNull("the sender gets nothing more", q.take());
        assertEquals(2, q.dropped());
    }

    @Test
    public void theSenderGetsEachBufferAsItWasOfferedBehindItsLength() throws Exception {
        SendQueue q = new SendQueue(1_000_000, 1, TimeUnit.SECONDS);
        byte[] reused = {1, 2, 3, 4, 5};
        assertTrue(q.offer(reused, 1, 3));
        reused[1] = 9; // the bundler writes its next message into the same array
        assertTrue(q.offer(reused, 0, 2));
        SendQueue.Frames taken = q.take();
        assertEquals(2, taken.count());
        byte[] expected = {0, 0, 0, 3, 2, 3, 4, 0, 0, 0, 2, 1, 9};
        assertArrayEquals(expected, java.util.Arrays.copyOf(taken.bytes(), taken.length()));
    }

    /** a new array per buffer was 31 % of the bytes three nodes allocated under open-loop traffic */
    @Test
    public void queuedBuffersAreCopiedIntoArraysThatServeAgain() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        SendQueue q = new SendQueue(2_000_000, 1, TimeUnit.SECONDS);
        sendAndWrite(q, 1_000); // the arrays grow to what a take carries
        long before = threads.getThreadAllocatedBytes(me);
        sendAndWrite(q, 10_000);
        long allocated = threads.getThreadAllocatedBytes(me) - before;
        assertTrue("10,000 buffers of 1,000 bytes allocated " + allocated + " bytes", allocated < 1_000_000);
    }

    @Test
    public void anArrayABurstGrewServesOnUntilTheBurstHasPassed() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        SendQueue q = new SendQueue(4_000_000, 1, TimeUnit.SECONDS, now::get);
        for (int i = 0; i < 1_000; i++) {
            assertTrue(q.offer(KB, 0, KB.length));
        }
        SendQueue.Frames burst = q.take();
        assertTrue(burst.bytes().length > SendQueue.RETAINED_BYTES);
        q.written(burst);
        SendQueue.Frames small = writeOne(q); // the new array; the burst's fills next
        assertEquals(SendQueue.INITIAL_BYTES, small.bytes().length);
        now.addAndGet(SendQueue.BURST_NANOS / 2);
        assertSame("within the burst the big array serves on", burst.bytes(), writeOne(q).bytes());
        assertSame(small.bytes(), writeOne(q).bytes());
        now.addAndGet(SendQueue.BURST_NANOS);
        assertSame(burst.bytes(), writeOne(q).bytes()); // a thousandth of it used, long after the burst: let go
        assertSame(small.bytes(), writeOne(q).bytes());
        SendQueue.Frames after = writeOne(q);
        assertNotSame(burst.bytes(), after.bytes());
        assertEquals(SendQueue.INITIAL_BYTES, after.bytes().length);
    }

    /** one buffer queued, taken and written */
    private static SendQueue.Frames writeOne(SendQueue q) throws InterruptedException {
        assertTrue(q.offer(KB, 0, KB.length));
        SendQueue.Frames f = q.take();
        q.written(f);
        return f;
    }

    /** the test as the sender: a take and a write every 100 buffers */
    private static void sendAndWrite(SendQueue q, int buffers) throws InterruptedException {
        for (int i = 0; i < buffers; i++) {
            assertTrue(q.offer(KB, 0, KB.length));
            if (i % 100 == 99) {
                q.written(q.take());
            }
        }
    }

    /** a queue of 3,000 bytes holding three buffers of 1,000 */
    private static SendQueue full(long stall, TimeUnit unit) {
        SendQueue q = new SendQueue(3000, stall, unit);
        for (int i = 0; i < 3; i++) {
            assertTrue(q.offer(KB, 0, KB.length));
        }
        return q;
    }

    /** a send that waits for room in {@code q}, seen waiting after 100 ms */
    private static CompletableFuture<Boolean> waitingSend(SendQueue q) throws InterruptedException {
        CompletableFuture<Boolean> send = CompletableFuture.supplyAsync(() -> q.offer(KB, 0, KB.length));
        Thread.sleep(100);
        assertFalse("waits for room", send.isDone());
        return send;
    }
}
