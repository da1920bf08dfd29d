package org.cutover.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.cutover.core.internal.tls.EntryVerifier;
import org.cutover.core.internal.tls.KnownSignatures;
import org.cutover.core.internal.wire.LogBatch;

/**
 * Checks the signature of each log entry as it reaches this node's RAFT (CheckedRAFT's {@code entry_arrivals}),
 * on a thread of its own, while the entry's commit travels between the nodes; a good one goes into
 * {@link KnownSignatures}, where the applier finds it instead of checking it after the commit; an applier that
 * comes while the check runs waits for it. Best effort: an entry not checked before it is applied (queue full,
 * its author's certificate not yet in the state, the applier first) is checked where it is applied, as before,
 * and this check then skips it. What is known is a fact about the bytes and a key, so the decision is the same
 * either way.
 */
final class EntryPrecheck implements Consumer<ByteBuffer>, AutoCloseable {

    /** entries waiting for a check; past this they are checked where applied */
    private static final int QUEUE = 1024;

    private final String nodeName;
    private final Replica replica;
    /** used by the one thread of {@link #checks} only */
    private final EntryVerifier verifier;
    private final ThreadPoolExecutor checks;
    private volatile long checked;

    EntryPrecheck(String nodeName, Replica replica, KnownSignatures known) {
        this.nodeName = nodeName;
        this.replica = replica;
        this.verifier = new EntryVerifier(known);
        this.checks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "cutover-precheck-" + nodeName);
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    /** on RAFT's threads: hands the entry on */
    @Override
    public void accept(ByteBuffer entry) {
        byte[] data = entry.array();
        int offset = entry.arrayOffset() + entry.position();
        int length = entry.remaining();
        if (length > 0 && data[offset] == LogBatch.MAGIC) {
            checks.execute(() -> check(data, offset, length));
        }
    }

    private void check(byte[] data, int offset, int length) {
        LogBatch.View batch;
        try {
            batch = LogBatch.decode(data, offset, length);
        } catch (IOException e) {
            return; // the applier skips it too
        }
        if (batch.author().equals(nodeName)) {
            return; // this node signed it: known already, no digest to take (NodeTls.signEntry)
        }
        List<byte[]> chain;
        synchronized (replica) {
            if (!replica.authors.wouldAccept(batch.author(), batch.session(), batch.number())) {
                return; // applied already, or a copy
            }
            chain = batch.identity().chain().isEmpty() ? replica.keys.chainOf(batch.author())
                    : batch.identity().chain();
        }
        if (!chain.isEmpty()) {
            verifier.remember(chain, data, offset, batch.signedLength(), batch.signature());
            checked++; // one thread writes it
        }
    }

    /** entries checked ahead of the applier */
    long checked() {
        return checked;
    }

    @Override
    public void close() {
        checks.shutdownNow();
    }
}
