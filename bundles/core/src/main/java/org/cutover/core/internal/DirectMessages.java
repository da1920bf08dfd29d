package org.cutover.core.internal;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.cutover.core.internal.tls.EntryVerifier;
import org.cutover.core.internal.tls.UnicastMacs;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.AdjustConfirm;
import org.cutover.core.internal.wire.Envelope.ForceVoters;
import org.cutover.core.internal.wire.Envelope.GroupState;
import org.cutover.core.internal.wire.Envelope.Reply;
import org.cutover.core.internal.wire.LogBatch;
import org.cutover.core.internal.wire.SignedUnicast;
import org.cutover.core.internal.wire.WireFormat;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.util.UUID;

/**
 * The unicasts beside the log: confirmations, replies, a joiner's state, and
 * the forced voters after a lost majority. A node is addressed by its name: the
 * replicated state has its uuid, the current view its address. Each unicast
 * carries its sender's MAC under the pair's key ({@link UnicastMacs}), or its
 * signature where the pair has no key ({@link SignedUnicast}); the receiver
 * checks it against the sender's certificate in the replicated state (or the
 * chain the unicast carries, checked against the CAs the cluster trusts), and
 * only then lets the sender speak for itself and its members.
 */
final class DirectMessages {

    private static final System.Logger LOG = System.getLogger(DirectMessages.class.getName());

    /** per receiving thread: its caches are not shared, and unicasts are checked on JGroups' pool in parallel */
    private static final ThreadLocal<EntryVerifier> VERIFIER = ThreadLocal.withInitial(EntryVerifier::new);

    private final String nodeName;
    private final LogBatch.Signer signer;
    private final UnicastMacs macs;
    /** this node's certificate chain while the cluster state does not hold it yet, else empty */
    private final Supplier<List<byte[]>> pendingChain;
    private final Supplier<JChannel> channel;
    /** false before the channel is connected and once the node is closed: nothing is sent then */
    private final BooleanSupplier connected;
    private final Supplier<View> view;
    private final Replica replica;
    private final PendingAdjusts adjusts;
    private final GroupMessaging messaging;
    private final StateTransfer stateTransfer;
    private final LogMembership membership;

    DirectMessages(String nodeName, LogBatch.Signer signer, UnicastMacs macs, Supplier<List<byte[]>> pendingChain,
                   Supplier<JChannel> channel, BooleanSupplier connected, Supplier<View> view, Replica replica,
                   PendingAdjusts adjusts, GroupMessaging messaging, StateTransfer stateTransfer,
                   LogMembership membership) {
        this.nodeName = nodeName;
        this.signer = signer;
        this.macs = macs;
        this.pendingChain = pendingChain;
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
        SignedUnicast.View u;
        Envelope e;
        try {
            u = SignedUnicast.decode(msg.getArray(), msg.getOffset(), msg.getLength());
            e = WireFormat.decode(msg.getArray(), u.envelopeOffset(), u.envelopeLength());
        } catch (IOException | RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "dropped a malformed message of " + msg.getLength() + " bytes from "
                    + msg.getSrc() + ": " + ex.getMessage());
            return;
        }
        String refusal = refusal(u, msg);
        if (refusal == null && !Speaker.mayCome(e, u.from())) {
            refusal = "node " + u.from() + " speaks for node " + Speaker.of(e);
        }
        if (refusal != null) {
            LOG.log(System.Logger.Level.WARNING, "dropped a unicast " + e.getClass().getSimpleName() + " from "
                    + msg.getSrc() + ": " + refusal);
            return;
        }
        if (e instanceof AdjustConfirm c) {
            adjusts.confirmed(c);
        } else if (e instanceof Reply r) {
            messaging.onReply(r);
        } else if (e instanceof GroupState g) {
            stateTransfer.received(g, u.from());
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
            List<byte[]> peerChain;
            synchronized (replica) {
                peerChain = replica.keys.chainOf(node);
            }
            LogBatch.Signer mac = macs.macFor(peerChain);
            try {
                ch.send(new BytesMessage(to, mac != null
                        ? SignedUnicast.encodeWithMac(nodeName, node, pendingChain.get(), e, mac)
                        : SignedUnicast.encode(nodeName, node, pendingChain.get(), e, signer)));
            } catch (Exception ex) {
                LOG.log(System.Logger.Level.DEBUG, "could not send " + e.getClass().getSimpleName() + " to " + node
                        + ": " + ex);
            }
        });
    }

    /** null when the unicast is for this node and signed by the node it names as its sender, else why not */
    private String refusal(SignedUnicast.View u, Message msg) {
        if (!nodeName.equals(u.to())) {
            return "it is for node " + u.to();
        }
        List<byte[]> chain;
        List<byte[]> trust;
        String revoked;
        synchronized (replica) {
            chain = u.chain().isEmpty() ? replica.keys.chainOf(u.from()) : u.chain();
            trust = replica.keys.trust();
            revoked = replica.revocation(chain);
        }
        if (revoked != null) {
            return revoked;
        }
        EntryVerifier verifier = VERIFIER.get();
        String why = verifier.chainRefusal(u.from(), chain, trust);
        if (why != null || !u.mac()) {
            return why != null ? why : verifier.signatureRefusal(chain, msg.getArray(), msg.getOffset(),
                    u.signedLength(), u.signature());
        }
        return macs.matches(chain, msg.getArray(), msg.getOffset(), u.signedLength(), u.signature()) ? null
                : "the MAC is not that of the key this node shares with " + u.from();
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
