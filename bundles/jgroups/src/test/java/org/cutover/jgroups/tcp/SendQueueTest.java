package org.cutover.jgroups.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jgroups.util.ByteArray;
import org.junit.Test;

/** The send queue without a network: the test plays the sender thread. */
public class SendQueueTest {

    private static final byte[] KB = new byte[1000];

    @Test
    public void aFullQueueMakesTheSenderWaitWhileThePeerReads() throws Exception {
        SendQueue q = full(2, TimeUnit.SECONDS);
        CompletableFuture<Boolean> fourth = waitingSend(q);
        List<ByteArray> batch = new ArrayList<>();
        q.takeAll(batch);
        assertEquals(3, batch.size());
        Thread.sleep(50);
        assertFalse("the taken bytes count until they are written", fourth.isDone());
        q.written();
        assertTrue("queued once the write ended", fourth.get(1, TimeUnit.SECONDS));
        assertEquals(0, q.dropped());
        batch.clear();
        q.takeAll(batch);
        assertEquals(1, batch.size());
    }

    @Test
    public void aWriteLongerThanTheStallDropsAtOnce() throws Exception {
        SendQueue q = full(200, TimeUnit.MILLISECONDS);
        q.takeAll(new ArrayList<>()); // the sender's write starts and never ends: the peer stopped reading
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
        q.written(); // the peer reads again
        List<ByteArray> batch = new ArrayList<>();
        q.takeAll(batch);
        assertEquals("what was queued before the drops goes out", 1, batch.size());
    }

    @Test
    public void aBufferLargerThanTheQueueGoesWhenTheQueueIsEmpty() throws Exception {
        SendQueue q = new SendQueue(500, 100, TimeUnit.MILLISECONDS);
        assertTrue(q.offer(KB, 0, KB.length));
        List<ByteArray> batch = new ArrayList<>();
        q.takeAll(batch);
        assertEquals(KB.length, batch.get(0).getLength());
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
        List<ByteArray> batch = new ArrayList<>();
        q.takeAll(batch);
        assertTrue("the sender gets nothing more: " + batch.size(), batch.isEmpty());
        assertEquals(2, q.dropped());
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
