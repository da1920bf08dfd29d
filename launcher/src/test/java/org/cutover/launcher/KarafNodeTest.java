package org.cutover.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

/** What a command that gave up on a node says of the node's JVM */
public class KarafNodeTest {

    @Test
    public void aJvmIsDescribedFromProc() {
        String said = KarafNode.describeJvm(ProcessHandle.current().pid());
        assertTrue(said, said.matches(
                "JVM \\d+ state [RSD], cpu \\d+\\.\\d s, VmRSS: \\d+ kB, Threads: \\d+, \\d+ files open"));
    }

    @Test
    public void aProcessThatIsGoneIsSaidToBe() {
        String said = KarafNode.describeJvm(Long.MAX_VALUE);
        assertTrue(said, said.contains("(/proc: java.nio.file.NoSuchFileException"));
    }

    @Test
    public void threadsAreCountedByState() {
        List<String> dump = List.of("\"sshd-SshServer[1]-nio2-thread-1\" #91 daemon prio=5",
                "   java.lang.Thread.State: BLOCKED (on object monitor)",
                "\"main\" #1 prio=5", "   java.lang.Thread.State: WAITING (parking)",
                "\"x\" #2", "   java.lang.Thread.State: BLOCKED (on object monitor)",
                "\"y\" #3", "   java.lang.Thread.State: RUNNABLE");
        assertEquals(Map.of("BLOCKED", 2L, "RUNNABLE", 1L, "WAITING", 1L), KarafNode.threadStates(dump));
    }
    /** lines of a real dump of a node under ssh logins (2026-12-05): two idle nio2 workers and the epoll thread */
    @Test
    public void theSshServersThreadsAndItsPollerAreNamedWithStateAndTopFrame() {
        List<String> dump = List.of(
                "\"Thread-28\" #157 daemon prio=5 os_prio=0 cpu=167.64ms elapsed=19.45s tid=0x1 nid=0x748 runnable",
                "   java.lang.Thread.State: RUNNABLE",
                "\tat sun.nio.ch.EPoll.wait(java.base@17.0.15/Native Method)",
                "\tat sun.nio.ch.EPollPort$EventHandlerTask.poll(java.base@17.0.15/EPollPort.java:200)",
                "\tat sun.nio.ch.EPollPort$EventHandlerTask.run(java.base@17.0.15/EPollPort.java:281)",
                "",
                "\"sshd-SshServer[1967787b](port=22909)-nio2-thread-1\" #170 daemon prio=5 os_prio=0 waiting on condition",
                "   java.lang.Thread.State: WAITING (parking)",
                "\tat jdk.internal.misc.Unsafe.park(java.base@17.0.15/Native Method)",
                "\tat java.util.concurrent.LinkedBlockingQueue.take(java.base@17.0.15/LinkedBlockingQueue.java:435)",
                "",
                "\"main\" #1 prio=5", "   java.lang.Thread.State: WAITING (parking)",
                "\tat java.lang.Object.wait(java.base@17.0.15/Native Method)");
        assertEquals(List.of("epoll Thread-28 RUNNABLE at sun.nio.ch.EPoll.wait",
                "(port=22909)-nio2-thread-1 WAITING at jdk.internal.misc.Unsafe.park"),
                KarafNode.sshServerThreads(dump));
    }
}
