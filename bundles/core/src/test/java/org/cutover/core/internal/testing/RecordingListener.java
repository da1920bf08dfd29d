package org.cutover.core.internal.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.cutover.api.Delivery;
import org.cutover.api.GroupListener;
import org.cutover.api.MembershipChange;

/** Keeps what a member received, in order. */
public final class RecordingListener implements GroupListener {
    private final List<Delivery> messages = new ArrayList<>();
    private final List<MembershipChange> changes = new ArrayList<>();
    private final String answer;

    public RecordingListener() {
        this("");
    }

    public RecordingListener(String answer) {
        this.answer = answer;
    }

    @Override
    public synchronized void onMessage(Delivery delivery) {
        messages.add(delivery);
    }

    @Override
    public synchronized void onMembershipChange(MembershipChange change) {
        changes.add(change);
    }

    @Override
    public byte[] onRequest(Delivery request) {
        return (answer + new String(request.payload(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    public synchronized List<String> texts() {
        List<String> texts = new ArrayList<>();
        messages.forEach(d -> texts.add(new String(d.payload(), StandardCharsets.UTF_8)));
        return texts;
    }

    public synchronized int count() {
        return messages.size();
    }

    public synchronized List<MembershipChange> changes() {
        return new ArrayList<>(changes);
    }

    public synchronized List<Delivery> messages() {
        return new ArrayList<>(messages);
    }
}
