package org.cutover.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.wire.Envelope.ForceVoters;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.protocols.raft.election.BaseElection;
import org.jgroups.raft.RaftHandle;

/**
 * The voters of the cluster log: who they are, and the changes to them. Only the
 * leader changes them (REDIRECT takes a change there: RAFT alone refused it on a
 * follower), except the forced change after a majority is lost for good, which
 * the log cannot commit until it is made.
 */
final class LogVoters {

    private static final System.Logger LOG = System.getLogger(LogVoters.class.getName());

    private final JChannel channel;
    private final RaftHandle raft;
    private final Duration timeout;

    LogVoters(JChannel channel, RaftHandle raft, Duration timeout) {
        this.channel = channel;
        this.raft = raft;
        this.timeout = timeout;
    }

    /** sorted by name */
    List<String> list() {
        return raft.raft().members().stream().sorted().toList();
    }

    /** whether these nodes are a majority of the voters, i.e. whether an election among them can succeed */
    boolean majorityAmong(Set<String> nodes) {
        List<String> voters = raft.raft().members();
        return voters.stream().filter(nodes::contains).count() > voters.size() / 2;
    }

    /** one internal entry of the log makes a learner a voter on every node */
    void add(String name) {
        change(name, () -> redirect().addServer(name), "made a voter");
    }

    /** one internal entry of the log stops counting the node on every node */
    void remove(String name) {
        change(name, () -> redirect().removeServer(name), "removed from the voters");
    }

    private REDIRECT redirect() {
        REDIRECT redirect = channel.getProtocolStack().findProtocol(REDIRECT.class);
        if (redirect == null) {
            throw new IllegalStateException("the JGroups stack has no raft.REDIRECT: voters change only on the leader");
        }
        return redirect;
    }

    private void change(String name, java.util.concurrent.Callable<CompletableFuture<byte[]>> request, String what) {
        try {
            request.call().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroupException(ReasonCode.NOT_CONNECTED, "interrupted while node " + name + " was " + what);
        } catch (Exception e) {
            throw new GroupException(ReasonCode.NOT_CONNECTED, "node " + name + " was not " + what + " within "
                    + timeout.toSeconds() + " s (it may still be): " + e);
        }
    }

    /** tells every other member of this node's view to count only these voters: outside the log, which is stuck */
    void tellOthers(ForceVoters force) {
        byte[] bytes = WireFormat.encode(force);
        View v = channel.getView();
        for (Address a : v.getMembers()) {
            if (!a.equals(channel.getAddress())) {
                try {
                    channel.send(new BytesMessage(a, bytes));
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "could not tell " + a + " of the new voters: " + e);
                }
            }
        }
    }

    /** counts only these voters, and starts a vote if this node coordinates its view (no view change will) */
    void force(List<String> voters) {
        raft.raft().members(voters);
        View v = channel.getView();
        BaseElection election = channel.getProtocolStack().findProtocol(BaseElection.class);
        if (election != null && v != null && v.getCoord().equals(channel.getAddress())) {
            election.startVotingThread(); // ELECTION2 votes at view changes only, and the view did not change
        }
    }

    /** the voters a committed recovery names, on every node alike (also when the log is replayed at a start) */
    void set(List<String> voters) {
        raft.raft().members(voters);
    }
}
