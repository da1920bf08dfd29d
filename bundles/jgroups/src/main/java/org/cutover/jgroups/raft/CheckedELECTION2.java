package org.cutover.jgroups.raft;

import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.raft.ELECTION2;
import org.jgroups.protocols.raft.RaftHeader;
import org.jgroups.protocols.raft.election.VoteRequest;

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
                super.handleMessage(msg, hdr);
            }
        } else {
            super.handleMessage(msg, hdr);
        }
    }
}
