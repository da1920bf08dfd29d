package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;
import org.jgroups.protocols.raft.RAFT;
import org.junit.Test;

public class JGroupsLoggingTest {

    /** counts how often a log message asked for its text */
    private static final class Costly {
        final AtomicInteger formatted = new AtomicInteger();

        @Override
        public String toString() {
            formatted.incrementAndGet();
            return "costly";
        }
    }

    @Test
    public void jgroupsLogsThroughSlf4jHereAsInKaraf() {
        assertEquals("slf4j", LogFactory.loggerType());
    }

    @Test
    public void aMessageBelowTheLevelIsNotFormatted() {
        JGroupsLogging.install();
        Log log = LogFactory.getLog(RAFT.class);
        assertFalse("RAFT's trace is off in these tests", log.isTraceEnabled());
        Costly arg = new Costly();
        log.trace("%s: handling %s", "node1", arg);
        log.debug("%s: handling %s", "node1", arg);
        assertEquals("formatted below the level", 0, arg.formatted.get());

        log.warn("%s: a warning names %s", "node1", arg);
        assertEquals("a warning is logged", 1, arg.formatted.get());
    }

    /** JGroups 5.4's AddressedDNSResolver traces a failed lookup with "%a" and an exception */
    @Test
    public void aFormatThatDoesNotFitItsArgumentsIsLoggedAsItIs() {
        JGroupsLogging.install();
        Log log = LogFactory.getLog(RAFT.class);
        Exception cause = new javax.naming.NameNotFoundException("nosuch.cutover.test");
        log.warn("no records for %s (%a)", "nosuch.cutover.test", cause);
        assertEquals("no records for %s (%a) [nosuch.cutover.test, " + cause + "]",
                JGroupsLogging.unformatted("no records for %s (%a)", "nosuch.cutover.test", cause));
        assertThrows("JGroups' own logger throws into the caller", java.util.IllegalFormatException.class,
                () -> new Slf4jLogImpl(RAFT.class).warn("no records for %s (%a)", "nosuch.cutover.test", cause));
    }

    @Test
    public void jgroupsOwnSlf4jLoggerFormatsEveryMessage() {
        // what install() replaces: if JGroups' own logger learns to ask first, JGroupsLogging can go
        Costly arg = new Costly();
        Log plain = new Slf4jLogImpl(RAFT.class);
        assertFalse(plain.isTraceEnabled());
        plain.trace("%s: handling %s", "node1", arg);
        assertTrue("JGroups 5.4's SLF4J logger formats a trace message that is off", arg.formatted.get() > 0);
    }
}
