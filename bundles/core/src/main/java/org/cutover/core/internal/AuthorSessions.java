package org.cutover.core.internal;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which log entries of each author node are applied: part of the replicated
 * state, so every node decides alike. An author numbers its entries 1, 2, 3 …
 * within a session (one run of its {@link LogLink}); an entry is applied only
 * if it is the next of the author's current session. A resent copy (the first
 * was committed after all) or an entry behind a gap (an earlier one was lost
 * with a leader) is skipped, and the author sends again from its first
 * unapplied entry. So a retry never applies an envelope twice or out of its
 * author's order. A newer session starts at 1 and retires the older one:
 * entries of a retired session are skipped.
 */
final class AuthorSessions {

    /** author -> {session, last applied number}; deterministic order for snapshots */
    private final TreeMap<String, long[]> sessions = new TreeMap<>();

    /** whether {@link #accept} would apply the entry, without recording it */
    boolean wouldAccept(String author, long session, long number) {
        long[] s = sessions.get(author);
        if (s == null || session > s[0]) {
            return number == 1;
        }
        return session == s[0] && number == s[1] + 1;
    }

    /** whether the entry is applied; if so it is recorded */
    boolean accept(String author, long session, long number) {
        if (!wouldAccept(author, session, number)) {
            return false;
        }
        sessions.put(author, new long[] {session, number});
        return true;
    }

    /** the author's current session, or 0: a restarted author starts above it */
    long sessionOf(String author) {
        long[] s = sessions.get(author);
        return s == null ? 0 : s[0];
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(sessions.size());
        for (Map.Entry<String, long[]> e : sessions.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue()[0]);
            out.writeLong(e.getValue()[1]);
        }
    }

    static AuthorSessions readFrom(DataInput in) throws IOException {
        AuthorSessions a = new AuthorSessions();
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) {
            throw new IOException("author count " + n + " is out of range");
        }
        for (int i = 0; i < n; i++) {
            a.sessions.put(in.readUTF(), new long[] {in.readLong(), in.readLong()});
        }
        return a;
    }
}
