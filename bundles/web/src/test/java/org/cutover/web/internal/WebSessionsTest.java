package org.cutover.web.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import javax.security.auth.Subject;

import org.junit.Test;

public class WebSessionsTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final WebSessions sessions = new WebSessions(60_000, 3, now::get);

    @Test
    public void aSessionNamesItsUserAndRolesAndCarriesItsOwnToken() throws Exception {
        WebSessions.Session s = sessions.open(subject("ops", "viewer", "admin"));
        assertEquals("ops", s.user);
        assertEquals(List.of("admin", "viewer"), s.roles);
        assertTrue(s.carries(s.csrf));
        assertFalse(s.carries(null));
        assertFalse(s.carries(s.csrf.substring(1)));
        assertNotEquals("the token is not the cookie", s.id, s.csrf);
        assertNotEquals(s.id, sessions.open(subject("ops", "viewer")).id);
    }

    @Test
    public void anIdleSessionEndsAndUseKeepsOneOpen() throws Exception {
        WebSessions.Session used = sessions.open(subject("a", "viewer"));
        WebSessions.Session idle = sessions.open(subject("b", "viewer"));
        now.addAndGet(40_000);
        assertTrue(sessions.find(used.id).isPresent());
        now.addAndGet(40_000);
        assertTrue(sessions.find(used.id).isPresent());
        assertFalse("80 s idle of 60", sessions.find(idle.id).isPresent());
        assertFalse(sessions.isOpen(idle));
        sessions.close(used.id);
        assertFalse(sessions.find(used.id).isPresent());
        assertFalse(sessions.find(null).isPresent());
    }

    @Test
    public void pastTheLimitTheLongestIdleSessionEnds() throws Exception {
        WebSessions.Session first = sessions.open(subject("a", "viewer"));
        now.incrementAndGet();
        WebSessions.Session second = sessions.open(subject("b", "viewer"));
        now.incrementAndGet();
        WebSessions.Session third = sessions.open(subject("c", "viewer"));
        now.incrementAndGet();
        sessions.find(first.id);
        sessions.open(subject("d", "viewer"));
        assertEquals(3, sessions.size());
        assertFalse(sessions.isOpen(second));
        assertTrue(sessions.isOpen(first));
        assertTrue(sessions.isOpen(third));
    }

    private static Subject subject(String user, String... roles) throws Exception {
        return TestPrincipals.login(Map.of(user, Map.entry("p", Set.of(roles)))).login(user, "p".toCharArray());
    }
}
