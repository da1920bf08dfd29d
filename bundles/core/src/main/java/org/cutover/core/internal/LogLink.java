package org.cutover.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
import org.cutover.core.internal.wire.Slice;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.raft.RaftHandle;

/**
 * The node's way into the cluster log. Envelopes are queued; one sender
 * thread packs whatever is queued into one log entry ({@link LogBatch}) and
 * hands it to the leader (REDIRECT), keeping at most {@value #WINDOW} entries in
 * flight. jgroups-raft's leader takes one request per entry from a bounded
 * queue: one envelope per entry filled it under load from several nodes
 * ("processing queue is full") and applies fell to hundreds a second.
 *
 * <p>A caller's future completes when this node applies the envelope (so what
 * it sent is visible here when it returns), or fails: at once with
 * GROUP_PARTITIONED when there is no leader (this node is not in a majority),
 * or with NOT_CONNECTED when the entry is not applied within the operation
 * time-out ("it may still be"). An entry lost on its way (a leader that went
 * away with it) is sent again, with every later one, in order; the replicated
 * {@link AuthorSessions} apply each entry once and in its author's order.
 */
final class LogLink implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LogLink.class.getName());

    /** entries in flight per node; more only queues at the leader */
    static final int WINDOW = 4;
    /**
     * Queued bytes that make a full batch: less than this waits while another entry of this node's is in flight.
     * Sent as soon as a window slot was free, entries stayed small under moderate load and each costs far more
     * than its messages (a signature, two checks, the log's round of messages on every node): at 10 % of the
     * maximum the 3-node JVM committed 1,925 entries/s of 5.9 messages and used 1.97 of 2 cores, and an adjust
     * took 9.6 ms p50 (LoadedAdjustBench, 2026-12-04).
     */
    static final int FULL_BATCH_BYTES = 64 << 10;
    /** one entry carries at most this much; FRAG4 cuts it into frames below */
    static final int MAX_BATCH_BYTES = 1 << 20;
    static final int MAX_QUEUED = 100_000;
    /**
     * The read-only request that makes the leader send its commit index to every follower. The leader runs it
     * through the state machine, which must ignore it (it is never a log entry); its first byte is never
     * {@link LogBatch}'s magic.
     */
    static final byte[] COMMIT_NUDGE = {0};

    /**
     * @param streamed  group data nobody waits for ({@link #appendStreamed})
     * @param completer where {@code result} completes, and so what its caller chained to it runs: its member's
     *                  delivery order; null for the node's own callers, whose futures complete where the outcome is
     *                  known (the applier, for an applied envelope)
     */
    private record Queued(Envelope envelope, int size, CompletableFuture<ClusterState.Result> result,
                          boolean streamed, Executor completer) {
        Queued(Envelope envelope, int size, CompletableFuture<ClusterState.Result> result) {
            this(envelope, size, result, false, null);
        }

        void fail(Throwable why) {
            if (completer == null) {
                result.completeExceptionally(why);
            } else {
                completer.execute(() -> result.completeExceptionally(why));
            }
        }
    }

    /** an entry sent and not yet applied here; resent as it is (same number) until applied or given up */
    private static final class Sent {
        final long number;
        final Slice entry;
        final List<Queued> callers;
        final long deadlineNanos;
        volatile long sentNanos;
        /** the leader this node knew when it last handed the entry over (null: none) */
        volatile Object sentTo;

        Sent(long number, Slice entry, List<Queued> callers, long deadlineNanos) {
            this.number = number;
            this.entry = entry;
            this.callers = callers;
            this.deadlineNanos = deadlineNanos;
        }
    }

    /**
     * How long an envelope appended with {@link #appendLater} waits for an entry to ride with. The 3-node adjust
     * benchmark, adjusts back to back: p50 2.48x the raw log round trip with each adjust's outcome in an entry of
     * its own (a second entry signed, checked by two nodes and committed beside the next adjust on two cores),
     * 2.3x without that entry (2026-12-02).
     */
    static final long LATER_MILLIS = 100;

    /** an entry not applied this long is sent again, with every later one, in order (a commit takes ~1 ms) */
    static final long RETRY_MILLIS = 1000;

    /**
     * A small batch of streamed group data ({@link #appendStreamed}) goes no sooner than this after this node's
     * previous entry. Each entry costs a signature, a check on every other node and the log's round of messages,
     * far more than its messages: at 2 % of the maximum (1 KB, 3 nodes in one JVM) every message was an entry of
     * its own, 2,096 entries/s, and the JVM used 1.76 of 2 cores; with 2 ms 1,218 entries/s and 1.27 cores, a
     * message applied on its node 1.94 ms p50 after sendAsync against 1.04 ms (LoadedAdjustBench, 2026-12-05).
     */
    private final long gapNanos;
    private final RaftHandle raft;
    private final String author;
    private final LogBatch.Signer signer;
    /** what this node's entries must still say about it (NONE once the cluster state holds it) */
    private final java.util.function.Supplier<LogBatch.Identity> identity;
    /** above every earlier session of this node: the applier skips entries of older ones */
    private volatile long session;
    private final java.util.function.LongSupplier lastSession;
    private final Duration commitTimeout;
    private final BlockingQueue<Queued> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    /** the size hints of what {@link #queue} holds */
    private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Queued envelopes that are not group data (an adjust, a join, a node's removal...): a caller waits for each,
     * and they are few, so the entry they are in goes without waiting for the one in flight. An adjust under
     * traffic at half the maximum waited behind it (LoadedAdjustBench, 2026-12-04).
     */
    private final java.util.concurrent.atomic.AtomicInteger controlQueued =
            new java.util.concurrent.atomic.AtomicInteger();
    /** queued group data a caller waits for (a send, a request): the entry it goes in does not wait the gap */
    private final java.util.concurrent.atomic.AtomicInteger awaitedQueued =
            new java.util.concurrent.atomic.AtomicInteger();
    /** notified when no entry is in flight any more, a full batch is queued, or an envelope that goes at once */
    private final Object turn = new Object();
    /** appended with {@link #appendLater}: they go with the next entry, or alone after {@link #LATER_MILLIS} */
    private final java.util.concurrent.ConcurrentLinkedQueue<Queued> later =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile long laterSinceNanos;
    private final java.util.concurrent.ConcurrentSkipListMap<Long, Sent> inFlight =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Semaphore window = new Semaphore(WINDOW);
    /** the applier's only: callers of the entry being applied whose futures complete elsewhere, with their results */
    private final List<Completion> completing = new ArrayList<>();
    private final Thread sender;
    private volatile boolean closed;
    private long batchNumber;
    /** when this node last sent an entry */
    private volatile long lastSentNanos;
    /**
     * Held by whoever numbers entries and hands them to the leader (the sender thread, or a caller that sends its
     * own), so that they reach the leader in their numbers' order: the applier skips an entry behind a gap until it
     * is sent again.
     */
    private final ReentrantLock handing = new ReentrantLock();
    /** envelopes appended and not yet in an entry handed over: queued, or taken by the sender thread */
    private final AtomicInteger unsent = new AtomicInteger();
    private final AtomicBoolean nudging = new AtomicBoolean();
    private final AtomicBoolean nudgeAgain = new AtomicBoolean();

    /**
     * @param lastSession this author's session in the replicated state, read when the first entry goes out (after
     *                    the node replayed its log): the new session starts above it even if the clock went back
     * @param batchGap    how long after this node's previous entry a small batch of streamed data may go
     */
    LogLink(RaftHandle raft, String author, Duration commitTimeout, java.util.function.LongSupplier lastSession,
            LogBatch.Signer signer, java.util.function.Supplier<LogBatch.Identity> identity, Duration batchGap) {
        this.gapNanos = batchGap.toNanos();
        this.lastSentNanos = System.nanoTime() - gapNanos;
        this.signer = signer;
        this.identity = identity;
        this.raft = raft;
        this.author = author;
        this.commitTimeout = commitTimeout;
        this.lastSession = lastSession;
        this.sender = new Thread(this::sendLoop, "cutover-log-" + author);
        sender.setDaemon(true);
        sender.start();
    }

    String author() {
        return author;
    }

    /** this node's entries handed to the leader and not applied here yet */
    int entriesInFlight() {
        return inFlight.size();
    }

    boolean hasLeader() {
        return raft.leader() != null;
    }

    /** queues the envelope for the log; the future completes with its result when this node applies it */
    CompletableFuture<ClusterState.Result> append(Envelope e) {
        return append(e, false);
    }

    /**
     * Like {@link #append}, for group data whose sender does not wait for it (sendAsync): a small batch of it goes
     * no sooner than the batch gap after this node's previous entry, with what came meanwhile.
     */
    CompletableFuture<ClusterState.Result> appendStreamed(Envelope.GroupData e) {
        return appendStreamed(e, null);
    }

    /**
     * As {@link #appendStreamed(Envelope.GroupData)}, the future completed through {@code completer}: what a caller
     * chains to it runs there, not on the log's applier, where a chained send that waits for its own commit waited
     * for an apply only that thread could do (until the operation timed out, the node's log stopped meanwhile).
     */
    CompletableFuture<ClusterState.Result> appendStreamed(Envelope.GroupData e, Executor completer) {
        return append(e, true, completer);
    }

    private CompletableFuture<ClusterState.Result> append(Envelope e, boolean streamed) {
        return append(e, streamed, null);
    }

    private CompletableFuture<ClusterState.Result> append(Envelope e, boolean streamed, Executor completer) {
        CompletableFuture<ClusterState.Result> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED, "node " + author + " is closed"));
            return f;
        }
        if (!hasLeader()) {
            f.completeExceptionally(noLeader());
            return f;
        }
        try {
            int size = WireFormat.sizeHint(e);
            boolean control = isControl(e);
            Queued q = new Queued(e, size, f, streamed && !control, completer);
            if (!q.streamed() && sentByCaller(q, control)) {
                return f;
            }
            unsent.incrementAndGet();
            counted(q, 1); // before it is queued: the sender never counts it below zero
            long before = queuedBytes.getAndAdd(size);
            if (!queue.offer(q, commitTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                queuedBytes.addAndGet(-size);
                counted(q, -1);
                unsent.decrementAndGet();
                f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED, "node " + author + " has "
                        + MAX_QUEUED + " envelopes waiting for the log; it cannot commit fast enough"));
            } else if (!q.streamed() || before < FULL_BATCH_BYTES && before + size >= FULL_BATCH_BYTES) {
                wakeSender(); // a sender waiting out the gap takes it now
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while queueing"));
        }
        return f;
    }

    /**
     * An envelope its caller waits for goes in an entry of its own on its caller's thread when nothing this node
     * appended before it is still unsent, a window slot is free and, for group data, no entry of this node is in
     * flight (which it would wait for, to go with what comes meanwhile): the sender thread's wake-up was a hop the
     * adjust paid and the bare log round trip, whose caller hands its entry over itself, did not. Whatever waits in
     * {@link #later} rides with it, as it would with the sender thread.
     *
     * @return false when it must be queued
     */
    private boolean sentByCaller(Queued q, boolean control) {
        if (unsent.get() != 0 || !handing.tryLock()) {
            return false;
        }
        try {
            if (closed || unsent.get() != 0 || !control && !inFlight.isEmpty() || !window.tryAcquire()) {
                return false;
            }
            List<Queued> batch = new ArrayList<>();
            batch.add(q);
            withLater(batch, q.size());
            send(List.copyOf(batch));
            return true;
        } finally {
            handing.unlock();
        }
    }

    /**
     * Like {@link #append}, for an envelope nobody waits for (an adjust's outcome for the history): it rides with
     * the next entry this node sends, or goes alone within {@link #LATER_MILLIS}.
     */
    CompletableFuture<ClusterState.Result> appendLater(Envelope e) {
        CompletableFuture<ClusterState.Result> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(closedException());
            return f;
        }
        if (later.isEmpty()) {
            laterSinceNanos = System.nanoTime();
        }
        later.add(new Queued(e, WireFormat.sizeHint(e), f));
        return f;
    }

    /** adds what waits in {@link #later} to a batch of {@code bytes}, up to {@link #MAX_BATCH_BYTES} */
    private void withLater(List<Queued> batch, int bytes) {
        Queued next;
        while (bytes < MAX_BATCH_BYTES && (next = later.poll()) != null) {
            batch.add(next);
            bytes += next.size();
        }
    }

    GroupException noLeader() {
        return new GroupException(ReasonCode.GROUP_PARTITIONED, "node " + author + " is not in the cluster's primary"
                + " component: the log has no leader here (a majority of the defined nodes must see each other);"
                + " nothing is sent");
    }

    /** called by the applier for every entry: completes this node's callers in envelope order */
    void applied(String entryAuthor, long entrySession, long number, int index, ClusterState.Result result) {
        if (entrySession != session || !entryAuthor.equals(author)) {
            return;
        }
        Sent sent = inFlight.get(number);
        if (sent == null) {
            return; // given up already, or sent before a restart of this node
        }
        Queued q = sent.callers.get(index);
        boolean last = index == sent.callers.size() - 1;
        boolean idle = false;
        // out of flight before its last caller hears of it: a caller that sends again at once finds the node idle
        if (last && inFlight.remove(number) != null) {
            window.release();
            idle = inFlight.isEmpty();
        }
        if (q.completer() == null) {
            q.result().complete(result);
        } else {
            completing.add(new Completion(q, result));
        }
        if (last) {
            completeInOrder();
        }
        if (idle) {
            wakeSender();
        }
    }

    /** called by the applier after every entry: hands on what an entry given up meanwhile left uncompleted */
    void entryApplied() {
        completeInOrder();
    }

    /**
     * On the applier: the futures of the entry's envelopes that complete elsewhere, one task per run of callers
     * with the same completer (a member's sendAsync calls), in the order of the envelopes.
     */
    private void completeInOrder() {
        int n = completing.size();
        for (int start = 0; start < n; ) {
            Executor where = completing.get(start).caller().completer();
            int end = start + 1;
            while (end < n && completing.get(end).caller().completer() == where) {
                end++;
            }
            Completion[] run = completing.subList(start, end).toArray(Completion[]::new);
            where.execute(() -> {
                for (Completion c : run) {
                    c.caller().result().complete(c.result());
                }
            });
            start = end;
        }
        completing.clear();
    }

    /** a caller's future and what completes it */
    private record Completion(Queued caller, ClusterState.Result result) {
    }

    private void sendLoop() {
        List<Queued> batch = new ArrayList<>();
        while (!closed) {
            try {
                Queued first = taken(queue.poll(later.isEmpty() ? RETRY_MILLIS / 4 : LATER_MILLIS / 4,
                        TimeUnit.MILLISECONDS));
                retryIfStalled();
                boolean fromLater = false;
                if (first == null && !later.isEmpty() && System.nanoTime() - laterSinceNanos
                        > TimeUnit.MILLISECONDS.toNanos(LATER_MILLIS)) {
                    first = later.poll(); // nothing came to ride with
                    fromLater = first != null;
                }
                if (first == null) {
                    continue;
                }
                if (!isControl(first.envelope())) {
                    awaitTurn(first);
                }
                while (!window.tryAcquire(RETRY_MILLIS / 4, TimeUnit.MILLISECONDS)) {
                    retryIfStalled();
                    if (closed) {
                        throw new InterruptedException();
                    }
                }
                handing.lock();
                try {
                    batch.add(first);
                    int bytes = first.size();
                    Queued next;
                    while (bytes < MAX_BATCH_BYTES && (next = taken(queue.poll())) != null) {
                        batch.add(next);
                        bytes += next.size();
                    }
                    int fromQueue = batch.size() - (fromLater ? 1 : 0);
                    withLater(batch, bytes);
                    send(List.copyOf(batch));
                    batch.clear();
                    unsent.addAndGet(-fromQueue);
                } finally {
                    handing.unlock();
                }
            } catch (InterruptedException e) {
                break;
            }
        }
        batch.forEach(q -> q.fail(closedException()));
        queue.forEach(q -> q.fail(closedException()));
        later.forEach(q -> q.fail(closedException()));
    }

    private static boolean isControl(Envelope e) {
        return !(e instanceof Envelope.GroupData);
    }

    /** what the sender took from the queue is no longer counted there */
    private Queued taken(Queued q) {
        if (q != null) {
            queuedBytes.addAndGet(-q.size());
            counted(q, -1);
        }
        return q;
    }

    private void counted(Queued q, int delta) {
        if (isControl(q.envelope())) {
            controlQueued.addAndGet(delta);
        } else if (!q.streamed()) {
            awaitedQueued.addAndGet(delta);
        }
    }

    /**
     * A small batch of group data waits while another of this node's entries is in flight, and a batch of
     * streamed data until the batch gap after this node's previous entry, unless a full batch or an envelope that
     * is not group data is queued by then (or, for the gap, group data a caller waits for): what comes meanwhile
     * goes with it. An idle node sends at once.
     */
    private void awaitTurn(Queued first) throws InterruptedException {
        int polled = first.size();
        for (;;) {
            synchronized (turn) {
                if (closed || !mayWait(polled)) {
                    return;
                }
                long gapLeft = first.streamed() && awaitedQueued.get() == 0
                        ? lastSentNanos + gapNanos - System.nanoTime() : 0;
                if (!inFlight.isEmpty()) {
                    turn.wait(RETRY_MILLIS / 4);
                } else if (gapLeft > 0) {
                    TimeUnit.NANOSECONDS.timedWait(turn, gapLeft);
                } else {
                    return;
                }
            }
            retryIfStalled();
        }
    }

    private boolean mayWait(int polled) {
        return polled + queuedBytes.get() < FULL_BATCH_BYTES && controlQueued.get() == 0;
    }

    private void wakeSender() {
        synchronized (turn) {
            turn.notifyAll();
        }
    }

    private void send(List<Queued> batch) {
        if (session == 0) {
            session = Math.max(System.currentTimeMillis() * 1000, lastSession.getAsLong() + 1);
        }
        long number = ++batchNumber;
        List<Envelope> envelopes = new ArrayList<>(batch.size());
        batch.forEach(q -> envelopes.add(q.envelope()));
        lastSentNanos = System.nanoTime();
        Sent sent = new Sent(number, LogBatch.encode(author, session, number, identity.get(), envelopes, signer), batch,
                System.nanoTime() + commitTimeout.toNanos());
        inFlight.put(number, sent);
        submit(sent);
    }

    /** hands the entry to the leader; a failure only means it will be sent again */
    private void submit(Sent sent) {
        sent.sentNanos = System.nanoTime();
        sent.sentTo = raft.leader();
        try {
            raft.setAsync(sent.entry.array(), sent.entry.offset(), sent.entry.length()).orTimeout(commitTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((r, ex) -> {
                        if (ex != null) {
                            LOG.log(System.Logger.Level.DEBUG, "entry " + sent.number + " of " + author
                                    + " not committed yet: " + ex);
                        }
                    });
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "entry " + sent.number + " of " + author + " not handed over: " + e);
        }
    }

    /**
     * On the sender thread. The oldest entry not applied after {@value #RETRY_MILLIS} ms, or handed to a leader
     * that is no longer this node's (lost with a leader that went away, or behind such a one), is sent again with
     * every later one, in order: the applier skips copies
     * and entries behind a gap. One not applied by its deadline fails its callers, and every later one too; the
     * link starts a new session, so nothing of the old one can apply after the new one's first entry.
     */
    private void retryIfStalled() {
        if (inFlight.isEmpty()) {
            return;
        }
        handing.lock(); // a caller sending its own entry meanwhile would number it in a session given up here
        try {
            resendOrGiveUp();
        } finally {
            handing.unlock();
        }
    }

    private void resendOrGiveUp() {
        Map.Entry<Long, Sent> oldest = inFlight.firstEntry();
        if (oldest == null) {
            return;
        }
        long now = System.nanoTime();
        if (now > oldest.getValue().deadlineNanos) {
            GroupException why = new GroupException(ReasonCode.NOT_CONNECTED, "not applied in the cluster log within "
                    + commitTimeout.toMillis() + " ms; it may still be" + (hasLeader() ? ""
                    : " (there is no leader here)"));
            for (Long number : List.copyOf(inFlight.keySet())) {
                Sent gone = inFlight.remove(number);
                if (gone != null) {
                    gone.callers.forEach(q -> q.fail(why));
                    window.release();
                }
            }
            wakeSender();
            session = Math.max(System.currentTimeMillis() * 1000, session + 1);
            batchNumber = 0;
            return;
        }
        Object leader = raft.leader();
        // a new leader: what went to the old one is sent again now, not a second later (FailoverBench: a send
        // started after the leader's death returned after 2.0 s at p50 with the timer alone, the vote at 1.5 s)
        boolean newLeader = leader != null && !leader.equals(oldest.getValue().sentTo);
        if ((newLeader || now - oldest.getValue().sentNanos > TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS))
                && hasLeader()) {
            LOG.log(System.Logger.Level.INFO, author + ": sending again " + inFlight.size() + " log entries from "
                    + oldest.getKey() + (newLeader ? " (to the new leader " + leader + ")"
                    : " (not applied after " + RETRY_MILLIS + " ms)"));
            inFlight.values().forEach(this::submit);
        }
    }

    /**
     * Called by the applier on the leader after each entry (on RAFT's thread, before RAFT moves its commit index):
     * queues a read that makes RAFT send its commit index to every follower once this commit round is done. At
     * most one nudge is outstanding: entries applied meanwhile are covered by one more nudge when it returns.
     */
    void nudgeCommit() {
        if (closed) {
            return;
        }
        if (!nudging.compareAndSet(false, true)) {
            nudgeAgain.set(true);
            return;
        }
        nudgeAgain.set(false);
        CompletableFuture<byte[]> f;
        try {
            f = raft.getAsync(COMMIT_NUDGE, 0, COMMIT_NUDGE.length);
        } catch (Exception e) {
            // no leader: the next commit, or RAFT's resend_interval, brings the commit index
            nudging.set(false);
            return;
        }
        f.orTimeout(commitTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, ex) -> {
            nudging.set(false);
            if (nudgeAgain.getAndSet(false)) {
                nudgeCommit();
            }
        });
    }

    private GroupException closedException() {
        return new GroupException(ReasonCode.NOT_CONNECTED, "node " + author + " is shutting down");
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        GroupException why = closedException();
        handing.lock(); // a caller's entry handed over meanwhile is failed here too
        try {
            inFlight.values().forEach(b -> b.callers.forEach(q -> q.fail(why)));
            inFlight.clear();
        } finally {
            handing.unlock();
        }
    }
}
