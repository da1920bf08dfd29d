package org.cutover.core.internal.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.cutover.api.Delivery;
import org.cutover.api.GroupListener;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.core.internal.testing.OrderInvariant.Entry;
import org.cutover.core.internal.testing.OrderInvariant.Kind;
import org.cutover.core.internal.testing.OrderInvariant.MemberLog;

/**
 * A member's whole delivery log, per group, for {@link OrderInvariant}: a
 * drop-in listener that records every message and membership change in
 * delivery order and then hands each call to the listener it wraps, if any.
 *
 * <p>A message is named by its sender and an id: by default a hash of its
 * payload; a test whose payloads carry the sender's own counter can name it
 * by that instead. Once the member has left (or its node crashed) call
 * {@link #left()}; a log not marked so must reach the end of the group's
 * common sequence, so wait until every member has delivered everything before
 * checking.
 */
public final class DeliveryLog implements GroupListener {

    private final GroupListener next;
    private final Function<Delivery, String> messageId;
    private final Map<String, List<Entry>> byGroup = new LinkedHashMap<>();
    private String member = "?";
    private boolean left;

    /**
     * @param next      the listener every call is handed on to, or null
     * @param messageId names a message among its sender's messages
     */
    public DeliveryLog(GroupListener next, Function<Delivery, String> messageId) {
        this.next = next;
        this.messageId = messageId;
    }

    /** records only, naming messages by a hash of their payload */
    public DeliveryLog() {
        this(null, DeliveryLog::payloadHash);
    }

    /** names the member in the report; its id is known once the join returns, after the first entries maybe */
    public synchronized DeliveryLog member(String id) {
        member = id;
        return this;
    }

    @Override
    public void onMessage(Delivery d) {
        synchronized (this) {
            log(d.group()).add(Entry.message(d.sender().id(), messageId.apply(d), d.sequence()));
        }
        if (next != null) {
            next.onMessage(d);
        }
    }

    @Override
    public void onMembershipChange(MembershipChange c) {
        synchronized (this) {
            log(c.group()).add(entry(c));
        }
        if (next != null) {
            next.onMembershipChange(c);
        }
    }

    @Override
    public byte[] onRequest(Delivery request) {
        return next == null ? new byte[0] : next.onRequest(request);
    }

    @Override
    public byte[] stateForJoiner() {
        return next == null ? null : next.stateForJoiner();
    }

    @Override
    public void restoreState(byte[] state) {
        if (next != null) {
            next.restoreState(state);
        }
    }

    /** the member has left the group (or its node is gone): its log may stop before the others' */
    public synchronized void left() {
        left = true;
    }

    /**
     * Waits until the member delivered the message with this id (a member's listener runs on its own queue, after
     * the log applied the entry, so a caught-up log does not mean a delivered one).
     */
    public void awaitMessage(String who, String id) {
        String suffix = ":" + id;
        Await.until(who + "'s member delivering " + id, TestCluster.WAIT,
                () -> logs().stream().flatMap(l -> l.entries().stream()).anyMatch(e -> e.what().endsWith(suffix)),
                () -> logs().stream().map(l -> l.entries().size()).toList());
    }

    /** one log per group this listener received from */
    public synchronized List<MemberLog> logs() {
        List<MemberLog> logs = new ArrayList<>();
        byGroup.forEach((group, entries) -> logs.add(new MemberLog(member, group, entries, !left)));
        return logs;
    }

    static Entry entry(MembershipChange c) {
        if (c.reason() == MembershipChange.Reason.ADJUST_VERSION) {
            return Entry.adjust(c.fromLevel(), c.toLevel(), c.epoch());
        }
        return Entry.change(Kind.valueOf(c.reason().name()), c.members().stream().map(Member::id).toList());
    }

    public static String payloadHash(Delivery d) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(d.payload());
            return HexFormat.of().formatHex(sha, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** for payloads that are text: the text itself, e.g. {@code n1#2:17} */
    public static String payloadText(Delivery d) {
        return new String(d.payload(), StandardCharsets.UTF_8);
    }

    private List<Entry> log(String group) {
        return byGroup.computeIfAbsent(group, g -> new ArrayList<>());
    }
}
