package org.cutover.jgroups.raft;

import static org.jgroups.protocols.raft.AppendResult.Result.FAIL_CONFLICTING_PREV_TERM;
import static org.jgroups.protocols.raft.AppendResult.Result.FAIL_ENTRY_NOT_FOUND;
import static org.jgroups.protocols.raft.AppendResult.Result.OK;

import org.jgroups.Address;
import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.protocols.raft.AppendEntriesResponse;
import org.jgroups.protocols.raft.AppendResult;
import org.jgroups.protocols.raft.Follower;
import org.jgroups.protocols.raft.Log;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;

/**
 * A follower that commits only what it has checked against the current
 * leader's log (see {@link CheckedRAFT}). Runs on RAFT's one processing thread,
 * as RAFT's own follower does.
 *
 * <p>Raft's rules (§5.3): an append is accepted only if the entry before it has
 * the leader's term; an entry that differs in term from the leader's is deleted
 * with all after it; committed entries are never deleted (they are the
 * leader's, since only checked entries are committed). A request's entries then
 * equal the leader's, and so does everything before them: that index is
 * {@code checked}. An empty request checks only the entry it names as previous
 * (RAFT's own commit message names none).
 */
class CheckedFollower extends Follower {

    private final CheckedRAFT checkedRaft;

    CheckedFollower(CheckedRAFT raft) {
        super(raft);
        this.checkedRaft = raft;
    }

    @Override
    public AppendResult handleAppendEntriesRequest(LogEntries entries, Address leader, long prevIndex, long prevTerm,
                                                   long entryTerm, long leaderCommit) {
        AppendResult result = answer(entries, leader, prevIndex, prevTerm, leaderCommit);
        checkedRaft.answered(result, leader, () -> "a request after " + prevIndex + " with "
                + (entries == null ? 0 : entries.size()) + " entries");
        return result;
    }

    private AppendResult answer(LogEntries entries, Address leader, long prevIndex, long prevTerm,
                                long leaderCommit) {
        raft.leader(leader);
        Log log = raft.log();
        long checked = checkedRaft.checked();
        if (entries != null && entries.size() > 0) {
            AppendResult refused = checkPrevious(log, prevIndex, prevTerm);
            if (refused != null) {
                return refused.commitIndex(raft.commitIndex());
            }
            long index = prevIndex;
            for (LogEntry entry : entries) {
                index++;
                if (index <= raft.commitIndex()) {
                    continue; // committed, so the leader's
                }
                LogEntry mine = log.get(index);
                if (mine != null && mine.term() != entry.term()) {
                    checkedRaft.deleteFrom(index);
                    mine = null;
                }
                if (mine == null) {
                    checkedRaft.appendAt(index, tail(entries, index - prevIndex - 1));
                    break;
                }
            }
            checked = checkedRaft.checkedUpTo(prevIndex + entries.size());
        } else if (prevIndex > checked && matches(log, prevIndex, prevTerm)) {
            // an empty request that names the leader's last entry (LogLink's commit nudge does): equal up to there
            checked = checkedRaft.checkedUpTo(prevIndex);
        }
        checkedRaft.commitTo(Math.min(leaderCommit, checked));
        checkedRaft.caughtUpWith(leaderCommit);
        return checkedOk(checked);
    }

    /** only what was checked: RAFT counts an OK as a vote for every entry up to its index */
    private AppendResult checkedOk(long checked) {
        return new AppendResult(OK, Math.min(checked, raft.lastAppended())).commitIndex(raft.commitIndex());
    }

    /**
     * A snapshot whose last entry this log already holds, with its term, is not installed: everything up to it is
     * the leader's, and what follows may have been acknowledged. RAFT 1.1.4 installs every snapshot it gets,
     * dropping the whole log, so a second copy that arrives after the entries behind the first takes back entries
     * this node had acknowledged (CheckedFollowerTest). A CI run of ChaosTest logged the leader's commit-table
     * assertion that such a step back trips ("commit-index=3423, match-index=3430, next-index=3424") once; this
     * fits it, but it was not reproduced.
     */
    @Override
    public void handleInstallSnapshotRequest(Message msg, Address leader, long lastIncludedIndex,
                                             long lastIncludedTerm) {
        Log log = raft.log();
        if (lastIncludedIndex > raft.commitIndex() && !matches(log, lastIncludedIndex, lastIncludedTerm)) {
            FileLog file = FileLog.of(log);
            if (file != null) {
                file.installing(lastIncludedIndex, lastIncludedTerm); // RAFT's snapshot file does not say it
            }
            try {
                super.handleInstallSnapshotRequest(msg, leader, lastIncludedIndex, lastIncludedTerm);
            } finally {
                if (file != null) {
                    file.installing(-1, 0);
                }
            }
            return;
        }
        raft.leader(leader);
        long checked = checkedRaft.checkedUpTo(lastIncludedIndex);
        checkedRaft.commitTo(lastIncludedIndex);
        AppendResult result = checkedOk(checked);
        checkedRaft.answered(result, leader, () -> "a snapshot up to " + lastIncludedIndex);
        raft.getDownProtocol().down(new EmptyMessage(leader).putHeader(raft.getId(),
                new AppendEntriesResponse(raft.currentTerm(), result)));
    }

    /** null if the entry before the request's is the leader's, else the refusal that makes the leader go back */
    private AppendResult checkPrevious(Log log, long prevIndex, long prevTerm) {
        if (prevIndex == 0 || prevIndex <= raft.commitIndex()) {
            return null; // the log's start, or committed: the leader's
        }
        LogEntry prev = log.get(prevIndex);
        if (prev == null) {
            // RAFT's own says lastAppended, which the leader records as matched: a later, lower OK then broke its
            // commit table (ChaosTest: "commit-index=124599, match-index=124607, next-index=124600")
            return new AppendResult(FAIL_ENTRY_NOT_FOUND, Math.min(checkedRaft.checked(), raft.lastAppended()));
        }
        if (prev.term() == prevTerm) {
            return null;
        }
        // the leader goes back to where this term starts here (never into the committed entries) and resends
        long first = prevIndex;
        while (first - 1 > raft.commitIndex()) {
            LogEntry before = log.get(first - 1);
            if (before == null || before.term() != prev.term()) {
                break;
            }
            first--;
        }
        checkedRaft.deleteFrom(first);
        return new AppendResult(FAIL_CONFLICTING_PREV_TERM, first, prev.term());
    }

    private static boolean matches(Log log, long index, long term) {
        LogEntry mine = log.get(index);
        return mine != null && mine.term() == term;
    }

    private static LogEntries tail(LogEntries entries, long skip) {
        LogEntries tail = new LogEntries();
        long i = 0;
        for (LogEntry e : entries) {
            if (i++ >= skip) {
                tail.add(e);
            }
        }
        return tail;
    }
}
