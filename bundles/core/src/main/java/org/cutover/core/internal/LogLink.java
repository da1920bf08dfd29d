package org.cutover.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
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
 * or when the entry is not committed within the operation time-out. A failed
 * entry is not retried here: a retry of an entry that was committed after all
 * would apply it twice; the caller learns of the failure instead.
 *
 * <p>When the leader has applied entries, it queues a read-only request to its
 * own RAFT, the {@linkplain #COMMIT_NUDGE commit nudge}: RAFT handles a read
 * with an AppendEntries to every follower that carries its commit index (by
 * then covering the entries), so every node applies them at once. RAFT's own way to
 * do this (send_commits_immediately) cannot be used with jgroups-raft 1.1.4: its
 * leader answers every follower's acknowledgement of a commit message with
 * another commit message while the follower's log is behind the commit index
 * (RequestTable.isCommitted is true below the table's head), a ping-pong of
 * tens of thousands of messages a second that keeps RAFT's queue from ever
 * being idle for resend_interval, the only time the leader resends missing
 * entries: a node that missed the first entries never caught up.
 */
final class LogLink implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LogLink.class.getName());

    /** entries in flight per node; more only queues at the leader */
    static final int WINDOW = 4;
    /** one entry carries at most this much; FRAG4 cuts it into frames below */
    static final int MAX_BATCH_BYTES = 1 << 20;
    static final int MAX_QUEUED = 100_000;
    /**
     * The read-only request that makes the leader send its commit index to every follower. The leader runs it
     * through the state machine, which must ignore it (it is never a log entry); its first byte is never
     * {@link LogBatch}'s magic.
     */
    static final byte[] COMMIT_NUDGE = {0};

    private record Queued(byte[] envelope, CompletableFuture<ClusterState.Result> result) {
    }

    private final RaftHandle raft;
    private final String author;
    private final long session = ThreadLocalRandom.current().nextLong();
    private final Duration commitTimeout;
    private final BlockingQueue<Queued> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final Map<Long, List<Queued>> inFlight = new ConcurrentHashMap<>();
    private final Semaphore window = new Semaphore(WINDOW);
    private final Thread sender;
    private volatile boolean closed;
    private long batchNumber;
    private final AtomicBoolean nudging = new AtomicBoolean();
    private final AtomicBoolean nudgeAgain = new AtomicBoolean();

    LogLink(RaftHandle raft, String author, Duration commitTimeout) {
        this.raft = raft;
        this.author = author;
        this.commitTimeout = commitTimeout;
        this.sender = new Thread(this::sendLoop, "cutover-log-" + author);
        sender.setDaemon(true);
        sender.start();
    }

    long session() {
        return session;
    }

    String author() {
        return author;
    }

    boolean hasLeader() {
        return raft.leader() != null;
    }

    /** queues the envelope for the log; the future completes with its result when this node applies it */
    CompletableFuture<ClusterState.Result> append(Envelope e) {
        CompletableFuture<ClusterState.Result> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED, "node " + author + " is closed"));
            return f;
        }
        if (!hasLeader()) {
            f.completeExceptionally(noLeader());
            return f;
        }
        byte[] bytes = WireFormat.encode(e);
        try {
            if (!queue.offer(new Queued(bytes, f), commitTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED, "node " + author + " has "
                        + MAX_QUEUED + " envelopes waiting for the log; it cannot commit fast enough"));
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            f.completeExceptionally(new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while queueing"));
        }
        return f;
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
        List<Queued> batch = inFlight.get(number);
        if (batch == null) {
            return; // failed already, or sent before a restart of this node
        }
        batch.get(index).result().complete(result);
        if (index == batch.size() - 1) {
            inFlight.remove(number);
        }
    }

    private void sendLoop() {
        List<Queued> batch = new ArrayList<>();
        while (!closed) {
            try {
                Queued first = queue.take();
                window.acquire();
                batch.add(first);
                int bytes = first.envelope().length;
                Queued next;
                while (bytes < MAX_BATCH_BYTES && (next = queue.poll()) != null) {
                    batch.add(next);
                    bytes += next.envelope().length;
                }
                send(List.copyOf(batch));
                batch.clear();
            } catch (InterruptedException e) {
                break;
            }
        }
        batch.forEach(q -> q.result().completeExceptionally(closedException()));
        queue.forEach(q -> q.result().completeExceptionally(closedException()));
    }

    private void send(List<Queued> batch) {
        long number = ++batchNumber;
        List<byte[]> envelopes = new ArrayList<>(batch.size());
        batch.forEach(q -> envelopes.add(q.envelope()));
        byte[] entry = LogBatch.encode(author, session, number, envelopes);
        inFlight.put(number, batch);
        CompletableFuture<byte[]> committed;
        try {
            committed = raft.setAsync(entry, 0, entry.length);
        } catch (Exception e) {
            window.release();
            fail(number, hasLeader() ? new GroupException(ReasonCode.NOT_CONNECTED, "the log refused an entry: " + e)
                    : noLeader());
            return;
        }
        committed.orTimeout(commitTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, ex) -> {
            window.release();
            if (ex != null) {
                LOG.log(System.Logger.Level.DEBUG, "entry " + number + " of " + author + " failed: " + ex);
                fail(number, ex instanceof java.util.concurrent.TimeoutException
                        ? new GroupException(ReasonCode.NOT_CONNECTED, "not committed in the cluster log within "
                        + commitTimeout.toMillis() + " ms" + (hasLeader() ? "" : " (there is no leader here)"))
                        : hasLeader() ? new GroupException(ReasonCode.NOT_CONNECTED, "the log failed an entry: " + ex)
                        : noLeader());
            }
        });
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

    private void fail(long number, GroupException why) {
        List<Queued> batch = inFlight.remove(number);
        if (batch != null) {
            batch.forEach(q -> q.result().completeExceptionally(why));
        }
    }

    private GroupException closedException() {
        return new GroupException(ReasonCode.NOT_CONNECTED, "node " + author + " is shutting down");
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        GroupException why = closedException();
        inFlight.values().forEach(b -> b.forEach(q -> q.result().completeExceptionally(why)));
        inFlight.clear();
    }
}
