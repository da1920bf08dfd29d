package org.cutover.jgroups.raft;

import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.ELECTION2;
import org.jgroups.protocols.raft.RaftHeader;
import org.jgroups.protocols.raft.election.VoteRequest;
import org.jgroups.protocols.raft.election.VoteResponse;

/**
 * jgroups-raft 1.1.4's ELECTION2, with every election message handled while
 * RAFT's processing thread is between two batches (see {@link CheckedRAFT}).
 *
 * <p>ELECTION2 answers a vote request on the thread the message arrived on: it
 * raises the term and reports the end of the log. RAFT appends a leader's
 * entries on its own thread, after checking the request's term. A vote that
 * fell between that check and the append reported a log without the entry,
 * and the node then acknowledged the entry to the old leader: the entry could
 * be committed by the old term's majority and still be missing from the log
 * of the node the vote elected. Two nodes then applied different entries at
 * one index (ChaosTest, seed 20261202, whenever votes ran beside a working
 * leader). Here the vote waits for the append, or the append sees the new term
 * and is refused: Raft's rule that a node's term and log change together.
 *
 * <p>A vote counts only in the round it answers: a response whose term is not
 * the coordinator's current one (the term its round created) is dropped.
 * ELECTION2 counts every response that arrives while a round waits, so a late
 * answer to an earlier round (one that timed out) counted in the next. That
 * voter had raised its term only to the earlier round's, so it could still
 * take and acknowledge entries of a leader of that term after it answered: a
 * majority of acknowledgements without the new leader, whose log then lacked
 * committed entries, and the next leader's entries overwrote them on the
 * nodes that had not applied them yet (CheckedElectionTest). It may explain
 * the order fork a 300-step ChaosTest run showed once after a bridge
 * (docs/performance.md, "Tried and not kept until understood"), which was not
 * reproduced.
 *
 * <p>A node that may have lost entries it acknowledged answers no vote until it
 * has caught up ({@link CheckedRAFT#catch_up_before_voting}).
 */
public class CheckedELECTION2 extends ELECTION2 {

    // 524 is jgroups-raft's ELECTION2; ids from 512 up are free for other projects
    static final short ID = 1524;

    static {
        ClassConfigurator.addProtocol(ID, CheckedELECTION2.class);
    }

    @Override
    protected void handleMessage(Message msg, RaftHeader hdr) {
        if (raft instanceof CheckedRAFT checked) {
            if (hdr instanceof VoteRequest && !checked.mayVote()) {
                log.debug("%s: catching up after a log loss; no vote for %s", local_addr, msg.src());
                return;
            }
            synchronized (checked.termAndLog) {
                if (hdr instanceof VoteResponse && hdr.currTerm() != raft.currentTerm()) {
                    log.debug("%s: vote of %s for term %d, not this round's %d: not counted", local_addr,
                            msg.src(), hdr.currTerm(), raft.currentTerm());
                    return;
                }
                super.handleMessage(msg, hdr);
            }
        } else {
            super.handleMessage(msg, hdr);
        }
    }
}
