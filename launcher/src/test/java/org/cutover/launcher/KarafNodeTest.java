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
}
