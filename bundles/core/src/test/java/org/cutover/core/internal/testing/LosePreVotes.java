package org.cutover.core.internal.testing;

import org.jgroups.Header;
import org.jgroups.Message;
import org.jgroups.protocols.raft.election.PreVoteRequest;
import org.jgroups.stack.Protocol;

/**
 * Loses every pre-vote request ELECTION2 sends, as a network would lose one
 * whose retransmission never comes (NAKACK2 drops a multicast that reaches a
 * joiner before the digest of its join). ELECTION2 then waits for the answers
 * for ever, and starts no vote of its own. Sits just below the election: the
 * layers below would retransmit a message dropped under them, and a multicast
 * that never arrives would block every later one of the same sender.
 */
public class LosePreVotes extends Protocol {

    @Override
    public Object down(Message msg) {
        for (Header h : msg.getHeaders().values()) {
            if (h instanceof PreVoteRequest) {
                return null;
            }
        }
        return down_prot.down(msg);
    }
}
