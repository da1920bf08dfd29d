package org.cutover.jgroups.raft;

import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.Leader;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.RaftImpl;
import org.jgroups.protocols.raft.Role;

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
 * its index). Everything else is RAFT's own.
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

    public CheckedRAFT() {
        impl = new CheckedFollower(this);
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

    // RAFT's protected log operations, for the checked follower (another package)

    boolean appendAt(long index, LogEntries entries) {
        return append(index, entries);
    }

    void deleteFrom(long index) {
        deleteAllLogEntriesStartingFrom(index);
    }

    void commitTo(long index) {
        commitLogTo(index, false);
    }

}
