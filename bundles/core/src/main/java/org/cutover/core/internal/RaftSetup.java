package org.cutover.core.internal;

import java.util.Optional;

import org.jgroups.JChannel;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.election.BaseElection;
import org.jgroups.stack.Protocol;

/**
 * The stack's RAFT, checked and set up for this node: it must be there, it
 * should be Cutover's checked RAFT and election, and a node that may have lost
 * what it acknowledged votes only once caught up.
 */
final class RaftSetup {

    /** RAFT with followers that commit only what they checked (in the wrapped JGroups bundle, not exported) */
    static final String CHECKED_RAFT = "org.cutover.jgroups.raft.CheckedRAFT";
    static final String CHECKED_ELECTION = "org.cutover.jgroups.raft.CheckedELECTION2";

    private static final System.Logger LOG = System.getLogger(RaftSetup.class.getName());

    private RaftSetup() {
    }

    /** @param lost why this node's log may have lost acknowledged entries ({@link LogLossCheck}), if it may */
    static RAFT configure(JChannel ch, NodeSettings settings, Optional<String> lost) {
        RAFT protocol = ch.getProtocolStack().findProtocol(RAFT.class);
        if (protocol == null) {
            throw new IllegalStateException("the JGroups stack has no raft.RAFT protocol: Cutover's order needs it");
        }
        Protocol election = ch.getProtocolStack().findProtocol(BaseElection.class);
        if (!protocol.getClass().getName().equals(CHECKED_RAFT)
                || election == null || !election.getClass().getName().equals(CHECKED_ELECTION)) {
            // an etc/cutover-jgroups.xml kept from an older distribution: Karaf does not replace files in etc/
            LOG.log(System.Logger.Level.WARNING, "the JGroups stack names " + protocol.getClass().getName() + " and "
                    + (election == null ? "no election" : election.getClass().getName()) + ", not " + CHECKED_RAFT
                    + " and " + CHECKED_ELECTION + ": a deposed leader can then commit entries of its old term that"
                    + " no other node has, a vote can elect a node without a committed entry, and the order breaks;"
                    + " use the stack file of this distribution");
        }
        if (lost.isPresent() && protocol.getClass().getName().equals(CHECKED_RAFT)) {
            LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " may have lost log entries it"
                    + " acknowledged: " + lost.get() + ". It answers no vote until it has caught up with a leader;"
                    + " if no leader can be elected without it, bring back a node that kept its log");
            protocol.setValue("catch_up_before_voting", true);
        }
        protocol.raftId(settings.nodeName()).members(settings.members()).logDir(settings.logDir().toString())
                .logUseFsync(settings.fsync());
        return protocol;
    }
}
