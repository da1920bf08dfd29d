package org.cutover.core.internal;

import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.*;

/**
 * The node an envelope speaks for. A node speaks only for itself and its own
 * members: an entry of the log is refused when its author is another node, a
 * unicast when its sender is. Without that check any node could adjust, join,
 * leave, say goodbye or confirm in another's name (security review). The
 * author of a log entry is the node that appended it; proving it against a
 * node that lies about it needs the signatures of issue 11, this keeps every
 * honest node from being spoken for.
 */
final class Speaker {

    private Speaker() {
    }

    /** whether {@code node} (the author or sender) may send {@code e}: it speaks for no other node */
    static boolean mayCome(Envelope e, String node) {
        if (e instanceof GroupData d) { // every group message: no string made
            String m = d.member();
            return m.length() > node.length() && m.charAt(node.length()) == '#' && m.startsWith(node);
        }
        String speaker = of(e);
        if (e instanceof Join j && !nodeOfMember(j.member()).equals(j.node())) {
            return false; // a member of one node joined in another's name
        }
        return speaker == null || speaker.equals(node);
    }

    /** the node {@code e} speaks for, or null when it speaks for none (the leader's view, a joiner's state) */
    static String of(Envelope e) {
        if (e instanceof GroupData d) {
            return nodeOfMember(d.member());
        } else if (e instanceof Hello h) {
            return h.node();
        } else if (e instanceof CapabilityChanged c) {
            return c.node();
        } else if (e instanceof Goodbye g) {
            return g.node();
        } else if (e instanceof Join j) {
            return j.node();
        } else if (e instanceof Leave l) {
            return nodeOfMember(l.member());
        } else if (e instanceof Adjust a) {
            return a.requestedBy();
        } else if (e instanceof RemoveNode r) {
            return r.requestedBy();
        } else if (e instanceof MajorityRecovered m) {
            return m.requestedBy();
        } else if (e instanceof AddNode a) {
            return a.requestedBy();
        } else if (e instanceof SetAcl a) {
            return a.requestedBy();
        } else if (e instanceof RevokeCertificate r) {
            return r.requestedBy();
        } else if (e instanceof Hold h) {
            return h.requestedBy();
        } else if (e instanceof UpgradeStart u) {
            return u.requestedBy();
        } else if (e instanceof UpgradeProgress u) {
            return u.node();
        } else if (e instanceof UpgradeAbort u) {
            return u.requestedBy();
        } else if (e instanceof ImportHistory h) {
            return h.node();
        } else if (e instanceof AdjustConfirm c) {
            return c.node();
        } else if (e instanceof Reply r) {
            return nodeOfMember(r.member());
        } else if (e instanceof ForceVoters f) {
            return f.requestedBy();
        }
        return null;
    }

    /** a member id is its node's name, '#', its incarnation and number (node names hold no '#') */
    static String nodeOfMember(String memberId) {
        int hash = memberId.indexOf('#');
        return hash < 0 ? memberId : memberId.substring(0, hash);
    }
}
