package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;

import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.raft.StateMachine;
import org.junit.Test;

/**
 * The term of the entry being applied, as CheckedRAFT tells its state machine:
 * when a commit applies it, and when a restart replays the committed log. A
 * state machine that checks an entry against its term must decide the same
 * both times, or a restarted node's state differs from the others'.
 */
public class CheckedRaftEntryTermTest {

    private final String prefix = "entry-term-" + UUID.randomUUID();

    /** records each entry as "text@term" */
    private static final class TermRecorder implements StateMachine {
        final List<String> applied = new ArrayList<>();
        CheckedRAFT raft;

        @Override
        public synchronized byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
            applied.add(new String(data, offset, length, StandardCharsets.UTF_8) + "@" + raft.applyingTerm());
            return null;
        }

        @Override
        public void readContentFrom(DataInput in) {
        }

        @Override
        public void writeContentTo(DataOutput out) {
        }

        synchronized List<String> seen() {
            return List.copyOf(applied);
        }
    }

    @Test
    public void theTermOfEachEntryWhenCommittedAndWhenReplayed() throws Exception {
        TermRecorder live = new TermRecorder();
        try (JChannel ch = start(live)) {
            live.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(live.raft, "x");
            append(live.raft, "y");
            live.raft.setLeaderAndTerm(ch.getAddress(), 2);
            append(live.raft, "z");
            assertEquals(List.of("x@1", "y@1", "z@2"), live.seen());
        }
        TermRecorder replayed = new TermRecorder();
        try (JChannel ch = start(replayed)) {
            assertEquals("the restart replays the log with each entry's term", List.of("x@1", "y@1", "z@2"),
                    replayed.seen());
        }
    }

    private JChannel start(TermRecorder machine) throws Exception {
        CheckedRAFT raft = new CheckedRAFT();
        machine.raft = raft;
        raft.raftId("a").members(List.of("a")).logClass(InMemoryLog.class.getName()).logPrefix(prefix)
                .stateMachine(machine);
        JChannel ch = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(100), raft).name("a");
        ch.connect(prefix);
        return ch;
    }

    /** a one-node log commits at once: set() returns once the entry is applied */
    private static void append(CheckedRAFT raft, String command) throws Exception {
        byte[] b = command.getBytes(StandardCharsets.UTF_8);
        raft.set(b, 0, b.length, 10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
