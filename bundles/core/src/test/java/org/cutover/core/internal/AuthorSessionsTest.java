package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

import org.junit.Test;

/** The rule that makes a resent log entry apply once and in its author's order, on every node alike. */
public class AuthorSessionsTest {

    @Test
    public void entriesApplyOnceAndInOrderWithinASession() {
        AuthorSessions a = new AuthorSessions();
        assertFalse("a session starts at 1", a.accept("n1", 10, 2));
        assertTrue(a.accept("n1", 10, 1));
        assertFalse("a copy", a.accept("n1", 10, 1));
        assertFalse("behind a gap", a.accept("n1", 10, 3));
        assertTrue(a.accept("n1", 10, 2));
        assertTrue("the entry behind the gap, sent again", a.accept("n1", 10, 3));
        assertTrue("authors are independent", a.accept("n2", 5, 1));
    }

    @Test
    public void aNewerSessionRetiresTheOlderOne() {
        AuthorSessions a = new AuthorSessions();
        assertTrue(a.accept("n1", 10, 1));
        assertTrue(a.accept("n1", 11, 1));
        assertFalse("the retired session's next entry", a.accept("n1", 10, 2));
        assertFalse("an older session never comes back", a.accept("n1", 9, 1));
        assertEquals(11, a.sessionOf("n1"));
        assertEquals(0, a.sessionOf("n3"));
    }

    @Test
    public void aSnapshotKeepsEveryAuthorsPlace() throws Exception {
        AuthorSessions a = new AuthorSessions();
        a.accept("n1", 10, 1);
        a.accept("n1", 10, 2);
        a.accept("n2", 7, 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.writeTo(new DataOutputStream(bytes));
        AuthorSessions b = AuthorSessions.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertFalse(b.accept("n1", 10, 2));
        assertTrue(b.accept("n1", 10, 3));
        assertTrue(b.accept("n2", 7, 2));
    }
}
