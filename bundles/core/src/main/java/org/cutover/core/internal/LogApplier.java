package org.cutover.core.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.cutover.api.ReasonCode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.tls.EntryVerifier;
import org.cutover.core.internal.tls.KnownSignatures;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.LogBatch;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.raft.StateMachine;

/**
 * The cluster log's state machine, run by RAFT's one applier thread: it
 * decodes each entry, checks that its author signed it with a certificate of a
 * CA the cluster trusts ({@link AuthorKeys}, {@link EntryVerifier}), applies an
 * author's entries once and in order
 * ({@link AuthorSessions}), counts the position of every envelope, and hands
 * each envelope to the node under the replica's monitor. Snapshots are the
 * {@link Replica}'s content.
 */
final class LogApplier implements StateMachine {

    private static final System.Logger LOG = System.getLogger(LogApplier.class.getName());

    /** what the node does with what the log decides */
    interface Target {
        /** one envelope at its position; called holding the replica's monitor */
        ClusterState.Result apply(Envelope e, String author, long position);

        /** the replica was replaced by a snapshot; called holding the replica's monitor */
        void snapshotInstalled();

        /** this node's own envelope is applied: its caller may return */
        void applied(String author, long session, long number, int index, ClusterState.Result r);

        /** after each entry, outside the monitor */
        void entryApplied();

        /** runs the application of one entry's envelopes, so that what they hand the members goes out together */
        default void applyingEntry(Runnable envelopes) {
            envelopes.run();
        }

        /**
         * This node's replica stopped following the log (an Error inside an entry): the node must stop. Called once,
         * on the applier thread, which it must not block.
         */
        default void cannotFollow(String why) {
        }
    }

    private final Replica replica;
    private final Target target;
    /** run by RAFT's one applier thread only, like everything here */
    private final EntryVerifier verifier;
    private final java.util.Set<String> refusalsLogged = new java.util.HashSet<>();
    /**
     * Why this node's replica stopped following the log, or null. RAFT 1.1.4 catches whatever the state machine
     * throws and goes on with the next entry: after an Error in the middle of an entry (an OutOfMemoryError, one
     * from another bundle) this replica would miss the rest of it, alone and silently. So nothing more is
     * applied or written into a snapshot here; the node stops, and a restart replays its log.
     */
    private volatile String stopped;

    /** @param known the signatures of this node's own entries: decided without a check */
    LogApplier(Replica replica, Target target, KnownSignatures known) {
        this.replica = replica;
        this.target = target;
        this.verifier = new EntryVerifier(known);
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
        if (stopped != null) {
            return null;
        }
        try {
            return applyEntry(data, offset, length);
        } catch (Error e) {
            stopped = "an entry of " + length + " bytes failed half applied on this node: " + e;
            LOG.log(System.Logger.Level.ERROR, "this node's replica stops following the cluster log: " + stopped
                    + "; the node stops (a restart replays its log)", e);
            target.cannotFollow(stopped);
            return null;
        }
    }

    private byte[] applyEntry(byte[] data, int offset, int length) {
        if (length == LogLink.COMMIT_NUDGE.length && data[offset] == LogLink.COMMIT_NUDGE[0]) {
            return null; // a read the leader runs here (LogLink's commit nudge), not a log entry
        }
        LogBatch.View batch;
        try {
            batch = LogBatch.decode(data, offset, length);
        } catch (IOException e) {
            // every node refuses the same bytes the same way: the replicas stay equal
            LOG.log(System.Logger.Level.WARNING, "skipped a malformed log entry of " + length + " bytes: "
                    + e.getMessage());
            return null;
        }
        String author = batch.author();
        LogBatch.Identity identity = batch.identity();
        List<byte[]> chain;
        List<byte[]> trust;
        String refusal;
        synchronized (replica) {
            if (!replica.authors.wouldAccept(author, batch.session(), batch.number())) {
                return null; // a copy, or behind a gap: its author sends again from the first one not applied
            }
            chain = identity.chain().isEmpty() ? replica.keys.chainOf(author) : identity.chain();
            trust = replica.keys.trustWith(author, identity.authorities());
            refusal = replica.revocation(chain);
        }
        // outside the monitor (a signature check takes a few hundred µs): only this thread changes the replica
        if (refusal == null) {
            refusal = verifier.chainRefusal(author, chain, trust);
        }
        if (refusal == null) {
            refusal = verifier.signatureRefusal(chain, data, offset, batch.signedLength(), batch.signature());
        }
        if (refusal != null) {
            refuse(batch, refusal);
            return null;
        }
        synchronized (replica) {
            replica.authors.accept(author, batch.session(), batch.number());
            replica.keys.record(author, identity);
        }
        target.applyingEntry(() -> applyEnvelopes(data, batch));
        target.entryApplied();
        return null;
    }

    private void applyEnvelopes(byte[] data, LogBatch.View batch) {
        for (int i = 0; i < batch.offsets().length; i++) {
            ClusterState.Result r;
            try {
                Envelope e = WireFormat.decode(data, batch.offsets()[i], batch.lengths()[i]);
                synchronized (replica) {
                    replica.position++;
                    r = target.apply(e, batch.author(), replica.position);
                    replica.changed();
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "log entry " + batch.number() + " of " + batch.author()
                        + ": envelope " + i + " not applied: " + e);
                r = new ClusterState.Result(List.of(), ReasonCode.NOT_CONNECTED, "not applied: " + e, Map.of());
            }
            target.applied(batch.author(), batch.session(), batch.number(), i, r);
        }
    }

    /**
     * An entry not written by the node it names, or by a node whose certificate the cluster does not trust: it is
     * not applied, on any node, and it uses up nothing of its author's (a forger cannot make the real author's
     * entries look like copies). The author's own callers learn why.
     */
    private void refuse(LogBatch.View batch, String why) {
        String key = batch.author() + ": " + why;
        if (refusalsLogged.add(key) && refusalsLogged.size() < 1000) {
            LOG.log(System.Logger.Level.WARNING, "refused log entry " + batch.number() + " of " + batch.author()
                    + ": " + why + " (logged once per author and reason)");
        }
        ClusterState.Result r = ClusterState.Result.refuse(ReasonCode.UNKNOWN_NODE, "the cluster log refused the"
                + " entry of " + batch.author() + ": " + why);
        for (int i = 0; i < batch.offsets().length; i++) {
            target.applied(batch.author(), batch.session(), batch.number(), i, r);
        }
        target.entryApplied();
    }

    @Override
    public void readContentFrom(DataInput in) throws Exception {
        synchronized (replica) {
            replica.readFrom(in);
            target.snapshotInstalled();
        }
    }

    @Override
    public void writeContentTo(DataOutput out) throws Exception {
        String why = stopped;
        if (why != null) {
            // no snapshot of a replica that missed entries: RAFT would cut its log behind it
            throw new IOException("this node's replica stopped following the cluster log: " + why);
        }
        replica.writeTo(out);
    }
}
