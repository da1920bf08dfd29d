package org.cutover.jgroups.raft;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.View;
import org.jgroups.annotations.Property;
import org.jgroups.conf.AttributeType;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.protocols.raft.AppendEntriesRequest;
import org.jgroups.protocols.raft.AppendEntriesResponse;
import org.jgroups.protocols.raft.AppendResult;
import org.jgroups.protocols.raft.InstallSnapshotRequest;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.Leader;
import org.jgroups.protocols.raft.LogEntry;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.RaftHeader;
import org.jgroups.protocols.raft.RaftImpl;
import org.jgroups.protocols.raft.Role;
import org.jgroups.raft.Options;
import org.jgroups.raft.StateMachine;
import org.jgroups.raft.util.CommitTable;
import org.jgroups.raft.util.Utils;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

/**
 * jgroups-raft 1.1.4's RAFT with a follower that commits only entries it knows
 * to be the leader's.
 *
 * <p>RAFT 1.1.4's follower commits up to the leader's commit index whenever an
 * AppendEntries request carries no entries (a commit message), without checking
 * that its own log matches the leader's up to there (Raft's consistency check,
 * §5.3 of the paper). A follower that still holds entries appended in an older
 * term which never got committed (a deposed leader that was cut off mid-burst)
 * then commits and applies them: its state departs from everyone else's, and
 * from then on the leader's repair of its log hits the committed entries and
 * stops (RAFT's commit-table assertion "commit-index=N, match-index=N-1"). In
 * Cutover's ChaosTest (seeds 20261201, 20261202) that showed as a node that
 * never caught up. The same bug, elsewhere: atomix/copycat#265,
 * scylladb/scylladb#9965, atomix/atomix#1036.
 *
 * <p>{@link CheckedFollower} keeps, per term, the highest index it has checked
 * against the leader, commits no further than that, and reports no more than
 * that as appended (RAFT's leader counts an OK as a vote for every entry up to
 * its index).
 *
 * <p>The leader commits an index only when a majority of the members hold it
 * and its entry is of the leader's own term ({@link #commitLogTo}). RAFT 1.1.4
 * commits on the leader in two more ways, both without that: a batch holding
 * only reads (Cutover's commit nudge is one) commits everything the leader
 * appended, on no one's acknowledgement; and a new leader counts copies of the
 * entries it finds above its commit index, which Raft forbids for entries of an
 * older term (§5.4.2, Figure 8: a later leader may still overwrite them).
 * Either way the leader applies entries that another leader then replaces
 * (CheckedLeaderTest).
 *
 * <p>A request of an older term is answered with this node's term, so that its
 * leader steps down (Raft §5.1); RAFT 1.1.4 drops it without a word, and a node
 * whose term rose while it was cut off (its coordinator's vote rounds ran on)
 * then never got another entry from the leader that everyone else followed.
 *
 * <p>A snapshot asked for ({@link #snapshotAsync()}) is not taken on the
 * leader while a follower in its view lacks an entry it has committed: RAFT
 * cuts the log at its commit index, and such a follower would get the snapshot
 * instead of the entries. The check runs on RAFT's processing thread, where the
 * cut happens, so the commit index cannot move between them (checked on a
 * timer thread before, a 12 MB stream under CPU load lost two of three members
 * that way: LogCompactionTest in core). The cut RAFT makes by itself when the
 * log passes {@code max_log_size} still goes ahead: that is the bound on disk.
 * A follower behind the log's start gets the snapshot the log starts with,
 * under that index ({@link #sendSnapshotTo}), and one whose log already holds a
 * snapshot's last entry keeps its log.
 * Everything else is RAFT's own.
 */
public class CheckedRAFT extends RAFT {

    // 520-523 are jgroups-raft's (JGroups' jg-protocol-ids.xml); ids from 512 up are free for other projects
    static final short ID = 1520;

    static {
        ClassConfigurator.addProtocol(ID, CheckedRAFT.class);
    }

    /**
     * The highest index known to hold the current term's leader's entry, and its term. Kept here, not in the
     * follower: RAFT replaces the follower at every role change (learner, candidate's leader, back), and a
     * follower that forgot reported less than before, which sent the leader back below its compacted log.
     */
    private long checkedTerm = -1;
    private long checked;
    /** the highest index answered as held in {@code answeredTerm}, for {@link #answered} */
    private long answeredTerm = -1;
    private long answeredUpTo;

    /**
     * Held while RAFT's processing thread handles a batch of requests and while {@link CheckedELECTION2} handles
     * an election message: a term raised by a vote and the log it reports change together with the appends.
     */
    final Object termAndLog = new Object();

    /**
     * Set by the node when its log may hold less than it acknowledged before it stopped (the log was lost, or was
     * written without fsync and the machine restarted). Such a node answers no vote until its commit index has
     * reached a leader's: ELECTION2 elects the voter with the highest log, and a vote from a log that forgot
     * committed entries can elect a node without them.
     */
    @Property(description = "answer no vote until the log has caught up with a leader's commit index (set for a"
            + " node that may have lost entries it acknowledged)")
    protected volatile boolean catch_up_before_voting;

    /** snapshots asked for that were not taken because a follower in view was behind the commit index */
    private volatile int snapshotsDeferred;

    @Property(description = "the first wait before a resend to a follower that has not answered the last one; it"
            + " doubles up to max_resend_backoff", type = AttributeType.TIME)
    protected long resend_backoff = 10;

    @Property(description = "the longest wait between resends to a follower that does not answer",
            type = AttributeType.TIME)
    protected long max_resend_backoff = 1000;

    /**
     * RAFT's processing thread waits {@code resend_interval} for work and then resends to the followers that lag;
     * with 1 ms it woke a thousand times a second on every node of an idle cluster to find nothing to send
     * (IdleBench, 3 nodes: RAFT's threads 14 of the 20 thousandths of a core each node used). It waits this long
     * instead while there is nothing to resend: on a follower, and on a leader whose followers all hold and have
     * committed everything it appended (never shorter than resend_interval).
     */
    @Property(description = "how long RAFT's processing thread waits for work while no follower lags (it waits"
            + " resend_interval while one does)", type = AttributeType.TIME)
    protected long caught_up_wait = 50;

    /** the configured resend_interval: the wait while a follower lags */
    private long laggingWait;

    @Property(description = "the most one resend carries (at least one entry): a follower far behind gets the rest"
            + " once it has answered", type = AttributeType.BYTES)
    protected long max_resend_bytes = 4 * 1024 * 1024;

    /**
     * Told of each entry as it reaches this node's RAFT, before it is committed: on the leader when it is asked
     * to append it, on a follower as it appends it. The node checks an entry's signature there, while the commit
     * travels, instead of in the applier after it. It must only hand the bytes on (it runs on RAFT's threads) and
     * must not change them. Set by the node with {@code setValue("entry_arrivals", ...)}: this class is not
     * exported.
     */
    protected volatile Consumer<ByteBuffer> entry_arrivals;

    @Property(description = "log entries between two checkpoints of the state machine beside the log (not cut into"
            + " a snapshot): a restart replays only the entries after the last one; 0: none written or used")
    protected int checkpoint_entries = 10_000;

    /** set at the replay at start (a file beside a persistent log); used on the processing thread */
    private ReplayCheckpoint checkpoint;
    /** the index of the checkpoint the replay at start restored, 0 if none */
    private volatile long checkpointRestored;

    /** used on the processing thread only; started afresh in every term this node leads */
    private ResendPacing pacing;
    private long pacingTerm = -1;
    /** followers whose step back this term was logged */
    private final Set<Address> steppedBack = new HashSet<>();
    /** set on the processing thread while RAFT's resend of a probe runs */
    private boolean probing;
    private volatile long resendsCut;
    private volatile long answersSteppedBack;

    public CheckedRAFT() {
        impl = new CheckedFollower(this);
        log_class = FileLog.class.getName(); // RAFT's FileBasedLog loses a restarted follower's log (FileLog)
    }

    /** what is checked in the current term; another leader's term starts from the commit index */
    long checked() {
        if (checkedTerm != currentTerm()) {
            checkedTerm = currentTerm();
            checked = 0;
        }
        checked = Math.max(checked, commitIndex());
        return checked;
    }

    long checkedUpTo(long index) {
        checked = Math.max(checked(), index);
        return checked;
    }

    /**
     * Notes a follower's answer, and logs one that reports less than an earlier answer in the same term: the
     * leader counted the earlier one as this log holding its entries (its commit-table assertion trips on the step
     * back, "commit-index=N, match-index=N+3, next-index=N+1").
     */
    void answered(AppendResult result, Address leader, java.util.function.Supplier<String> request) {
        if (answeredTerm != currentTerm()) {
            answeredTerm = currentTerm();
            answeredUpTo = 0;
        }
        if (result.index() < answeredUpTo) {
            log.warn("%s: answered %s to %s of %s in term %d, below the %d it answered before; checked %d, last"
                    + " appended %d, commit %d, first appended %d", local_addr, result, request.get(), leader,
                    answeredTerm, answeredUpTo, checked, lastAppended(), commitIndex(), log().firstAppended());
        }
        if (result.success() || result.nonMatchingTerm() == 0) { // RAFT's leader records both as matched
            answeredUpTo = Math.max(answeredUpTo, result.index());
        }
    }

    @Override
    public void init() throws Exception {
        super.init();
        laggingWait = resend_interval;
        pacing = new ResendPacing(TimeUnit.MILLISECONDS.toNanos(resend_backoff),
                TimeUnit.MILLISECONDS.toNanos(max_resend_backoff));
    }

    /**
     * One wait for work and what follows it, on RAFT's processing thread: the wait is short only while RAFT's
     * resend after it would send something ({@link #caught_up_wait}). A follower that starts to lag while the
     * thread waits long (one that enters the view of an idle leader) gets its first resend at most
     * {@code caught_up_wait} later; any request, an answer among them, ends the wait at once.
     */
    @Override
    protected void processQueue() {
        resend_interval = resendDue() ? laggingWait : Math.max(laggingWait, caught_up_wait);
        super.processQueue();
    }

    /**
     * Whether this node leads and RAFT's resend would send a member anything: the cases of RAFT 1.1.4's {@code
     * sendAppendEntriesMessage} (entries from its next index, its missing last entry, the commit index, or this
     * log's entries not yet committed). On the processing thread, which alone changes the table and the indexes.
     */
    private boolean resendDue() {
        CommitTable table = commit_table;
        if (table == null || !isLeader()) {
            return false;
        }
        if (commit_index < last_appended) {
            return true;
        }
        for (Address a : table.keys()) {
            CommitTable.Entry e = table.get(a);
            if (e == null || e.nextIndex() <= last_appended || e.matchIndex() < last_appended
                    || e.commitIndex() < commit_index) {
                return true;
            }
        }
        return false;
    }

    /** RAFT's role change, with the checked follower and learner in place of RAFT's own */
    @Override
    protected RAFT changeRole(Role role) {
        RaftImpl next = switch (role) {
            case Leader -> new Leader(this);
            case Follower -> new CheckedFollower(this);
            case Learner -> new CheckedLearner(this);
        };
        RaftImpl previous = impl;
        if (previous == null || previous.getClass() != next.getClass()) {
            if (previous != null) {
                previous.destroy();
            }
            next.init();
            impl = next;
            log.trace("%s: changed role from %s -> %s", local_addr,
                    previous == null ? "null" : previous.getClass().getSimpleName(), next.getClass().getSimpleName());
            notifyRoleChangeListeners(role);
        }
        return this;
    }

    boolean mayVote() {
        return !catch_up_before_voting;
    }

    /** after a checked request: this log holds everything the leader has committed, so its votes count again */
    void caughtUpWith(long leaderCommit) {
        if (catch_up_before_voting && commitIndex() >= leaderCommit) {
            catch_up_before_voting = false;
            log.info("%s: caught up with the leader's commit index %d; answering votes again", local_addr,
                    leaderCommit);
        }
    }

    /** RAFT's batch (appends, responses, the leader's own entries) as one step against the term and the log */
    @Override
    protected void process(List<Request> q) {
        synchronized (termAndLog) {
            super.process(q);
        }
    }

    /** RAFT's handling of another node's request, with an answer to a leader of an older term */
    @Override
    public void handleUpRequest(Message msg, RaftHeader hdr) {
        long term = currentTerm();
        if (hdr instanceof AppendEntriesRequest && hdr.currTerm() < term) {
            // the answer's term makes that leader step down: RAFT takes any higher term it hears, leaderless
            log.debug("%s: request of term %d from %s, an older term than %d: answering with this term", local_addr,
                    hdr.currTerm(), msg.src(), term);
            // only what is checked in this term: the asker may lead this very term when it reads the answer
            // (ELECTION2's coordinator picks the leader), and RAFT's leader records this index as matched
            AppendResult answer = new AppendResult(AppendResult.Result.FAIL_ENTRY_NOT_FOUND,
                    Math.min(checked(), lastAppended()));
            answered(answer, msg.src(), () -> "a request of term " + hdr.currTerm());
            down_prot.down(new EmptyMessage(msg.src()).putHeader(id, new AppendEntriesResponse(term, answer)));
            return;
        }
        super.handleUpRequest(msg, hdr);
    }

    /**
     * RAFT's resend to a follower, on the processing thread when it is idle: only while this node leads (a node
     * whose term a vote raised is no longer the leader of that term, and must not talk to followers as if it
     * were), and paced by the follower's answers ({@link ResendPacing}).
     */
    @Override
    protected void sendAppendEntriesMessage(Address member, CommitTable.Entry e) {
        synchronized (termAndLog) {
            if (!isLeader()) {
                return;
            }
            if (pacingTerm != currentTerm()) {
                pacingTerm = currentTerm();
                pacing.clear();
                steppedBack.clear();
            }
            CommitTable table = commitTable();
            if (table != null) {
                pacing.retain(table.keys());
            }
            ResendPacing.Step step = pacing.next(member, e.matchIndex(), e.nextIndex(), e.commitIndex(),
                    System.nanoTime());
            if (step == ResendPacing.Step.STEPPED_BACK) {
                answersSteppedBack++;
                long match = e.matchIndex();
                long next = e.nextIndex();
                e.matchIndex(pacing.acceptedMatch(member)).nextIndex(pacing.acceptedNext(member));
                if (steppedBack.add(member)) { // once per follower and term: the answers may come a thousand a second
                    log.warn("%s: %s answered in term %d with match index %d, next index %d, below what it"
                            + " acknowledged before: refused, as are its next such answers (answersSteppedBack)",
                            local_addr, member, currentTerm(), match, next);
                }
                return;
            }
            if (step == ResendPacing.Step.WAIT) {
                return;
            }
            probing = step == ResendPacing.Step.PROBE;
            try {
                super.sendAppendEntriesMessage(member, e);
            } finally {
                probing = false;
            }
        }
    }

    /** RAFT's resend of a range, cut to one entry in a probe and to {@code max_resend_bytes} otherwise */
    @Override
    protected void resend(Address target, long from, long to) {
        long last = from;
        if (!probing) {
            long bytes = 0;
            for (long i = from; i <= to; i++) {
                LogEntry entry = log().get(i);
                bytes += entry == null ? 0 : entry.length();
                if (i > from && bytes > max_resend_bytes) {
                    break;
                }
                last = i;
            }
        }
        if (last < to) {
            resendsCut++;
        }
        super.resend(target, from, last);
    }

    /** followers' answers that named an index below what they had acknowledged in the term: no resend for them */
    public long answersSteppedBack() {
        return answersSteppedBack;
    }

    /** resends cut short by pacing: probes of one entry, and ranges above {@code max_resend_bytes} */
    public long resendsCut() {
        return resendsCut;
    }

    /** the index of the checkpoint the replay at start restored, 0 if it replayed from the snapshot or the start */
    public long checkpointRestored() {
        return checkpointRestored;
    }

    public int snapshotsDeferred() {
        return snapshotsDeferred;
    }

    /** RAFT's snapshot on request (processing thread): deferred on a leader while a follower in view is behind */
    @Override
    protected void takeSnapshot() throws Exception {
        if (isLeader() && followerInViewBehind()) {
            snapshotsDeferred++;
            log.debug("%s: snapshot deferred: a follower in view has not got everything up to %d", local_addr,
                    commitIndex());
            return;
        }
        super.takeSnapshot();
    }

    /**
     * RAFT's snapshot to a follower behind the log's start: the snapshot the log starts with, under that index.
     * RAFT 1.1.4 takes a snapshot first and labels what it sends with the commit index; with the cut deferred
     * ({@link #takeSnapshot()}, and the follower it sends to is behind) it sent the older snapshot under the newer
     * index, and the follower skipped every entry between the two (CheckedSnapshotTest).
     */
    @Override
    protected void sendSnapshotTo(Address dest) throws Exception {
        ByteBuffer snapshot = log().getSnapshot();
        long index = log().firstAppended();
        LogEntry first = log().get(index);
        if (snapshot == null || first == null) {
            // no snapshot the log starts with: one of the commit index, as RAFT takes it, which the cut makes so
            index = commitIndex();
            first = log().get(index);
            super.takeSnapshot();
            snapshot = log().getSnapshot();
        }
        log.debug("%s: sending the snapshot at %d (%s) to %s", local_addr, index,
                Util.printBytes(snapshot.remaining()), dest);
        down_prot.down(new BytesMessage(dest, snapshot.duplicate())
                .putHeader(id, new InstallSnapshotRequest(currentTerm(), leader(), index, first.term())));
    }

    /** RAFT's own cut at {@code max_log_size}, which does not wait for anyone (RAFT 1.1.4's rule, unchanged) */
    @Override
    protected void snapshotIfNeeded(int bytesAdded) {
        curr_log_size += bytesAdded;
        if (curr_log_size >= max_log_size) {
            try {
                super.takeSnapshot();
            } catch (Exception ex) {
                log.error("%s: failed snapshotting log: %s", local_addr, ex);
            }
        }
    }

    private boolean followerInViewBehind() {
        CommitTable table = commitTable();
        View v = view;
        if (table == null || v == null) {
            return true;
        }
        long commit = commitIndex();
        for (Address a : table.keys()) {
            CommitTable.Entry e = table.get(a);
            if (v.containsMember(a) && e != null && e.matchIndex() < commit) {
                return true;
            }
        }
        return false;
    }

    /**
     * The term of the log entry the state machine applies now, 0 when it applies none (a read, a snapshot). An
     * entry's term is part of the replicated log, the same on every node: what a state machine may check an entry
     * against (a leader's announcement carries the leader's term; a forged one with any other term is refused).
     */
    public long applyingTerm() {
        return applyingTerm;
    }

    private volatile long applyingTerm;

    @Override
    protected void applyCommit(long index, boolean serializeResponse) throws Exception {
        LogEntry entry = log().get(index);
        applyingTerm = entry == null ? 0 : entry.term();
        try {
            super.applyCommit(index, serializeResponse);
        } finally {
            applyingTerm = 0;
        }
        if (checkpoint != null && entry != null && checkpoint.due(index)) {
            writeCheckpoint(index, entry);
        }
    }

    /** on the processing thread, between two entries: the state machine's content after the entry at index */
    private void writeCheckpoint(long index, LogEntry entry) {
        long start = System.nanoTime();
        try {
            // grown by doubling, as RAFT's snapshot does: by default it grows by what each write needs, and the
            // 3 MB of 1,000 groups and 600 adjusts of them all took 7 s to write so (0.1 s doubling)
            ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64 * 1024, true);
            internal_state.writeTo(out); // what RAFT's snapshot holds: its members, then the state machine's
            stateMachine().writeContentTo(out);
            checkpoint.write(index, entry, out.buffer(), out.position());
            log.debug("%s: checkpoint at %d (%s) in %d µs", local_addr, index, Util.printBytes(out.position()),
                    (System.nanoTime() - start) / 1000);
        } catch (Exception e) {
            checkpoint.countFrom(index); // tried again after another interval, not at every entry
            log.warn("%s: no checkpoint at %d in %s: %s", local_addr, index, checkpoint.file(), e);
        }
    }

    /**
     * RAFT's replay of the committed log into the state machine at start, with {@link #applyingTerm()} set for
     * each entry it applies. From a usable {@link ReplayCheckpoint}: what RAFT does from a snapshot (its members,
     * then the state machine's content), then the entries after the checkpoint, internal ones too. Without one:
     * RAFT's own replay, which applies, in index order from the first entry after the snapshot to the commit
     * index, every entry that has a command and is not internal; the wrapper takes their terms in that order.
     * Either way a checkpoint is written at the end if one is due, so the next start replays none of this.
     */
    @Override
    public void initStateMachineFromLog() throws Exception {
        StateMachine machine = stateMachine();
        if (machine == null || log() == null || state_machine_loaded) {
            super.initStateMachineFromLog();
            return;
        }
        long from = Math.max(1, log().firstAppended() + (log().getSnapshot() != null ? 1 : 0));
        long commit = commitIndex();
        checkpoint = log() instanceof InMemoryLog || checkpoint_entries <= 0 ? null
                : new ReplayCheckpoint(Path.of(createLogName(log_prefix, "checkpoint")), checkpoint_entries);
        ReplayCheckpoint.Stored restore = null;
        if (checkpoint != null) {
            try {
                restore = checkpoint.usable(from, commit, log()::get).orElse(null);
            } catch (java.io.IOException e) {
                log.warn("%s: %s; the whole log is replayed", local_addr, e.getMessage());
            }
        }
        if (restore != null) {
            replayFrom(restore, machine, commit);
        } else {
            replayWithTerms(machine, from, commit);
        }
        // RAFT 1.1.4 reads the members from a snapshot without computing the majority again: one of the members
        // it was started with. A recovered survivor alone (one voter) then needed two votes and never led.
        computeMajority();
        if (checkpoint != null) {
            checkpoint.countFrom(restore != null ? restore.index() : from - 1);
            LogEntry last = log().get(commit);
            if (last != null && checkpoint.due(commit)) {
                writeCheckpoint(commit, last);
            }
        }
    }

    /** the checkpoint's members and content, then the entries after it up to the commit index */
    private void replayFrom(ReplayCheckpoint.Stored restore, StateMachine machine, long commit) throws Exception {
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(restore.content());
        internal_state.readFrom(in);
        machine.readContentFrom(in);
        int applied = 0;
        for (long i = restore.index() + 1; i <= commit; i++) {
            LogEntry e = log().get(i);
            if (e == null) {
                log.error("%s: log entry for index %d not found in log", local_addr, i);
                break;
            }
            if (e.command() == null) {
                continue;
            }
            if (e.internal()) {
                executeInternalCommand(null, e.command(), e.offset(), e.length());
                continue;
            }
            applyingTerm = e.term();
            try {
                machine.apply(e.command(), e.offset(), e.length(), true);
                applied++;
            } finally {
                applyingTerm = 0;
            }
        }
        state_machine_loaded = true;
        checkpointRestored = restore.index();
        log.info("%s: restored the checkpoint at %d, then applied %d entries of the log (up to %d)", local_addr,
                restore.index(), applied, commit);
    }

    private void replayWithTerms(StateMachine machine, long from, long commit) throws Exception {
        java.util.ArrayDeque<Long> terms = new java.util.ArrayDeque<>();
        for (long i = from; i <= commit; i++) {
            LogEntry e = log().get(i);
            if (e == null) {
                break;
            }
            if (e.command() != null && !e.internal()) {
                terms.add(e.term());
            }
        }
        stateMachine(new StateMachine() {
            @Override
            public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
                Long term = terms.poll();
                applyingTerm = term == null ? 0 : term;
                try {
                    return machine.apply(data, offset, length, serializeResponse);
                } finally {
                    applyingTerm = 0;
                }
            }

            @Override
            public void readContentFrom(java.io.DataInput in) throws Exception {
                machine.readContentFrom(in);
            }

            @Override
            public void writeContentTo(java.io.DataOutput out) throws Exception {
                machine.writeContentTo(out);
            }
        });
        try {
            super.initStateMachineFromLog();
        } finally {
            stateMachine(machine);
        }
    }

    /**
     * RAFT's commit, capped on the leader at the highest index that a majority of the members hold and whose entry
     * is of this term; everything below it commits with it. Followers commit what {@link CheckedFollower} checked.
     */
    @Override
    protected RAFT commitLogTo(long index, boolean serializeResponse) {
        if (isLeader()) {
            index = Math.min(index, committableByMajority());
            if (index > commitIndex()) {
                tellFollowersCommitted(index);
            }
        }
        return super.commitLogTo(index, serializeResponse);
    }

    /**
     * The followers learn of a commit before this leader applies it, not after: applying an adjust of 1,000 groups
     * (and queueing it to 1,000 local members) held back every follower's apply, and with it the confirmations its
     * asker waits for. The message is the one a read-only batch of RAFT's sends (an empty request naming this
     * log's last entry), so a follower checks it as any other ({@link CheckedFollower}); it goes only when the
     * commit index moves, not on every acknowledgement as RAFT's {@code send_commits_immediately} does, which
     * livelocks a lagging follower in 1.1.4.
     */
    private void tellFollowersCommitted(long index) {
        CommitTable table = commitTable();
        if (table == null || table.keys().isEmpty()) {
            return; // alone in the view
        }
        long last = lastAppended();
        LogEntry entry = log().get(last);
        long term = currentTerm();
        down_prot.down(new ObjectMessage(null, null).setFlag(Message.TransientFlag.DONT_LOOPBACK)
                .putHeader(id, new AppendEntriesRequest(local_addr, term, last, entry == null ? 0 : entry.term(),
                        term, index)));
    }

    private long committableByMajority() {
        CommitTable table = commitTable();
        List<String> members = members();
        long[] held = new long[members.size()];
        for (int i = 0; i < held.length; i++) {
            String id = members.get(i);
            if (id.equals(raftId())) {
                held[i] = lastAppended();
            } else if (table != null) {
                for (Address a : table.keys()) {
                    CommitTable.Entry e = table.get(a);
                    if (e != null && id.equals(Utils.extractRaftId(a))) {
                        held[i] = Math.max(held[i], e.matchIndex());
                    }
                }
            }
        }
        Arrays.sort(held);
        long onMajority = held[held.length - majority()];
        LogEntry entry = onMajority > commitIndex() ? log().get(onMajority) : null;
        return entry != null && entry.term() == currentTerm() ? onMajority : commitIndex();
    }

    @Override
    public CompletableFuture<byte[]> setAsync(byte[] buf, int offset, int length, boolean internal, Options options) {
        if (!internal) {
            arrived(buf, offset, length);
        }
        return super.setAsync(buf, offset, length, internal, options);
    }

    private void arrived(byte[] buf, int offset, int length) {
        Consumer<ByteBuffer> arrivals = entry_arrivals;
        if (arrivals != null && buf != null) {
            try {
                arrivals.accept(ByteBuffer.wrap(buf, offset, length));
            } catch (RuntimeException e) {
                log.warn("%s: entry_arrivals failed: %s", local_addr, e);
            }
        }
    }

    // RAFT's protected log operations, for the checked follower (another package)

    boolean appendAt(long index, LogEntries entries) {
        for (LogEntry e : entries) {
            if (!e.internal()) {
                arrived(e.command(), e.offset(), e.length());
            }
        }
        return append(index, entries);
    }

    void deleteFrom(long index) {
        deleteAllLogEntriesStartingFrom(index);
    }

    void commitTo(long index) {
        commitLogTo(index, false);
    }

}
