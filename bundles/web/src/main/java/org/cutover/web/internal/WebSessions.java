package org.cutover.web.internal;

import java.security.MessageDigest;
import java.security.Principal;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import javax.security.auth.Subject;

/**
 * The page's logins: a random session id (the cookie) maps to the JAAS subject of the login, its user and roles,
 * and a random token the page must send back in a header with every change (CSRF: another site's form or script
 * can send the cookie, but can neither read the token nor set the header without a CORS preflight, which this
 * view never answers). Sessions end when idle or on logout; a node restart ends them all.
 */
final class WebSessions {

    /** one login; {@code lastUsed} in the clock's millis */
    static final class Session {
        final String id;
        final Subject subject;
        final String user;
        final List<String> roles;
        final String csrf;
        volatile long lastUsed;

        Session(String id, Subject subject, String user, List<String> roles, String csrf, long now) {
            this.id = id;
            this.subject = subject;
            this.user = user;
            this.roles = roles;
            this.csrf = csrf;
            this.lastUsed = now;
        }

        /** whether {@code token} is this session's CSRF token, compared in constant time */
        boolean carries(String token) {
            return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                    token.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final long idleMillis;
    private final int maxSessions;
    private final LongSupplier clock;

    WebSessions(long idleMillis, int maxSessions, LongSupplier clock) {
        this.idleMillis = idleMillis;
        this.maxSessions = maxSessions;
        this.clock = clock;
    }

    /** a new session for a subject that logged in; past the limit, the longest idle session ends */
    Session open(Subject subject) {
        String user = "?";
        Set<String> roles = new TreeSet<>();
        // by simple class name, as core reads the calling user: Karaf's principals, no Karaf API needed
        for (Principal p : subject.getPrincipals()) {
            switch (p.getClass().getSimpleName()) {
                case "UserPrincipal" -> user = p.getName();
                case "RolePrincipal" -> roles.add(p.getName());
                default -> {
                }
            }
        }
        expire();
        while (sessions.size() >= maxSessions) {
            sessions.values().stream().min(Comparator.comparingLong(s -> s.lastUsed))
                    .ifPresent(s -> sessions.remove(s.id));
        }
        Session s = new Session(random(), subject, user, List.copyOf(roles), random(), clock.getAsLong());
        sessions.put(s.id, s);
        return s;
    }

    /** the live session of this id, marked used now */
    Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        long now = clock.getAsLong();
        if (s == null || now - s.lastUsed > idleMillis) {
            if (s != null) {
                sessions.remove(id);
            }
            return Optional.empty();
        }
        s.lastUsed = now;
        return Optional.of(s);
    }

    /** whether the session is still open (not ended, not idle), without marking it used */
    boolean isOpen(Session s) {
        return sessions.get(s.id) == s && clock.getAsLong() - s.lastUsed <= idleMillis;
    }

    void close(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    void closeAll() {
        sessions.clear();
    }

    int size() {
        return sessions.size();
    }

    private void expire() {
        long now = clock.getAsLong();
        sessions.values().removeIf(s -> now - s.lastUsed > idleMillis);
    }

    private static String random() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
