package org.cutover.core.internal;

import java.io.IOException;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.AdjustConfirm;
import org.cutover.core.internal.wire.Envelope.ForceVoters;
import org.cutover.core.internal.wire.Envelope.GroupState;
import org.cutover.core.internal.wire.Envelope.Reply;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.raft.util.Utils;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.UUID;

/**
 * The unicasts beside the log: confirmations, replies, a joiner's state, and
 * the forced voters after a lost majority. A node is addressed by its name: the
 * replicated state has its uuid, the current view its address.
 */
final class DirectMessages {

    private static final System.Logger LOG = System.getLogger(DirectMessages.class.getName());

    private final Supplier<JChannel> channel;
    /** false before the channel is connected and once the node is closed: nothing is sent then */
    private final BooleanSupplier connected;
    private final Supplier<View> view;
    private final Replica replica;
    private final PendingAdjusts adjusts;
    private final GroupMessaging messaging;
    private final StateTransfer stateTransfer;
    private final LogMembership membership;

    DirectMessages(Supplier<JChannel> channel, BooleanSupplier connected, Supplier<View> view, Replica replica,
                   PendingAdjusts adjusts, GroupMessaging messaging, StateTransfer stateTransfer,
                   LogMembership membership) {
        this.channel = channel;
        this.connected = connected;
        this.view = view;
        this.replica = replica;
        this.adjusts = adjusts;
        this.messaging = messaging;
        this.stateTransfer = stateTransfer;
        this.membership = membership;
    }

    void receive(Message msg) {
        Envelope e;
        try {
            e = WireFormat.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (IOException | RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "dropped a malformed message of " + msg.getLength() + " bytes from "
                    + msg.getSrc() + ": " + ex.getMessage());
            return;
        }
        // the sender's node is the log id its address carries (RAFT puts it there): known at once, unlike the
        // state's uuid of a node that just restarted, which a lagging node may not have applied yet
        String sender = msg.getSrc() instanceof ExtendedUUID ? Utils.extractRaftId(msg.getSrc()) : null;
        if (sender == null || !Speaker.mayCome(e, sender)) {
            LOG.log(System.Logger.Level.WARNING, "dropped a unicast " + e.getClass().getSimpleName() + " from "
                    + msg.getSrc() + " (node " + sender + ") that speaks for node " + Speaker.of(e));
            return;
        }
        if (e instanceof AdjustConfirm c) {
            adjusts.confirmed(c);
        } else if (e instanceof Reply r) {
            messaging.onReply(r);
        } else if (e instanceof GroupState g) {
            stateTransfer.received(g);
        } else if (e instanceof ForceVoters f) {
            membership.forceVoters(f.voters(), f.requestedBy());
        } else {
            LOG.log(System.Logger.Level.WARNING, "dropped a unicast " + e.getClass().getSimpleName() + " from "
                    + msg.getSrc() + ": it belongs in the cluster log");
        }
    }

    void unicast(String node, Envelope e) {
        JChannel ch = channel.get();
        if (ch == null || !connected.getAsBoolean()) {
            return;
        }
        addressOf(node).ifPresent(to -> {
            try {
                ch.send(new BytesMessage(to, WireFormat.encode(e)));
            } catch (Exception ex) {
                LOG.log(System.Logger.Level.DEBUG, "could not send " + e.getClass().getSimpleName() + " to " + node
                        + ": " + ex);
            }
        });
    }

    /** under lock or not: reads the state's uuid for the node and finds it in the view */
    private Optional<Address> addressOf(String node) {
        View v = view.get();
        Optional<String> uuid;
        synchronized (replica) {
            uuid = replica.state.uuidOf(node);
        }
        if (v == null || uuid.isEmpty()) {
            return Optional.empty();
        }
        for (Address a : v.getMembers()) {
            if (uuidOf(a).equals(uuid.get())) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** how the replicated state names a JGroups address */
    static String uuidOf(Address a) {
        return a instanceof UUID u ? u.toStringLong() : a.toString();
    }
}
