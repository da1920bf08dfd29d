package org.cutover.jgroups.raft;

import static org.jgroups.protocols.raft.AppendResult.Result.FAIL_CONFLICTING_PREV_TERM;
import static org.jgroups.protocols.raft.AppendResult.Result.FAIL_ENTRY_NOT_FOUND;
import static org.jgroups.protocols.raft.AppendResult.Result.OK;

import org.jgroups.Address;
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
    private long checkedTerm = -1;
    /** the highest index known to hold the current term's leader's entry */
    private long checked;

    CheckedFollower(CheckedRAFT raft) {
        super(raft);
        this.checkedRaft = raft;
    }

    @Override
    public AppendResult handleAppendEntriesRequest(LogEntries entries, Address leader, long prevIndex, long prevTerm,
                                                   long entryTerm, long leaderCommit) {
        raft.leader(leader);
        Log log = raft.log();
        if (checkedTerm != raft.currentTerm()) {
            checkedTerm = raft.currentTerm();
            checked = 0; // another leader: what the last one's requests showed says nothing about this one's log
        }
        checked = Math.max(checked, raft.commitIndex());
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
            checked = Math.max(checked, prevIndex + entries.size());
        } else if (prevIndex > checked && matches(log, prevIndex, prevTerm)) {
            // an empty request that names the leader's last entry (LogLink's commit nudge does): equal up to there
            checked = prevIndex;
        }
        checkedRaft.commitTo(Math.min(leaderCommit, checked));
        return new AppendResult(OK, raft.lastAppended()).commitIndex(raft.commitIndex());
    }

    /** null if the entry before the request's is the leader's, else the refusal that makes the leader go back */
    private AppendResult checkPrevious(Log log, long prevIndex, long prevTerm) {
        if (prevIndex == 0 || prevIndex <= raft.commitIndex()) {
            return null; // the log's start, or committed: the leader's
        }
        LogEntry prev = log.get(prevIndex);
        if (prev == null) {
            return new AppendResult(FAIL_ENTRY_NOT_FOUND, raft.lastAppended());
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
