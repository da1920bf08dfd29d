package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertTrue;

import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.raft.StateMachine;
import org.junit.After;
import org.junit.Test;

/**
 * A restart replays the log only after the last checkpoint of the state
 * machine, and ends with the same state as a replay of the whole log; a
 * checkpoint that is damaged, of another log, or beyond what the log committed
 * is not used. One node on a log in files, as the shipped stack's.
 */
public class ReplayCheckpointTest {

    private static final Path LOG_DIR = Path.of("target", "replay-checkpoint-logs");

    private final String run = UUID.randomUUID().toString();

    /** the whole state is every entry applied, as "text@term"; counts what the replay did */
    private static final class Machine implements StateMachine {
        final List<String> state = new ArrayList<>();
        int applied;
        int restored;
        CheckedRAFT raft;

        @Override
        public synchronized byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
            applied++;
            state.add(new String(data, offset, length, StandardCharsets.UTF_8) + "@" + raft.applyingTerm());
            return null;
        }

        @Override
        public synchronized void readContentFrom(DataInput in) throws Exception {
            restored++;
            state.clear();
            for (int n = in.readInt(); n > 0; n--) {
                state.add(in.readUTF());
            }
        }

        @Override
        public synchronized void writeContentTo(DataOutput out) throws Exception {
            out.writeInt(state.size());
            for (String s : state) {
                out.writeUTF(s);
            }
        }

        synchronized List<String> state() {
            return List.copyOf(state);
        }
    }

    @After
    public void removeLogs() throws Exception {
        if (Files.isDirectory(LOG_DIR)) {
            try (Stream<Path> files = Files.walk(LOG_DIR)) {
                files.sorted(Comparator.reverseOrder()).filter(p -> p.toString().contains(run))
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    public void aRestartReplaysOnlyTheEntriesAfterTheLastCheckpoint() throws Exception {
        List<String> expected = new ArrayList<>();
        Machine live = new Machine();
        try (JChannel ch = start("a", live, 100)) {
            live.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(live.raft, "e", 1, 150, 1, expected);
            live.raft.setLeaderAndTerm(ch.getAddress(), 2);
            append(live.raft, "e", 151, 250, 2, expected);
            assertEquals(expected, live.state());
        }
        assertTrue(checkpoint("a") + " written", Files.exists(checkpoint("a")));

        Machine second = new Machine();
        try (JChannel ch = start("a", second, 100)) {
            assertEquals("the state after the restart is the whole log's", expected, second.state());
            assertEquals("the checkpoint at 200 replaced the replay of entries 1-200", 1, second.restored);
            assertEquals("entries 201-250 applied, each with its term", 50, second.applied);
            second.raft.setLeaderAndTerm(ch.getAddress(), 3);
            append(second.raft, "f", 1, 60, 3, expected); // indexes 251-310: a checkpoint at 300
            assertEquals(expected, second.state());
        }

        Machine third = new Machine();
        try (JChannel ch = start("a", third, 100)) {
            assertEquals(expected, third.state());
            assertEquals("entries 301-310 applied", 10, third.applied);
        }

        Machine whole = new Machine();
        byte[] before = Files.readAllBytes(checkpoint("a"));
        try (JChannel ch = start("a", whole, 0)) {
            assertEquals("without a checkpoint the replay of the whole log gives the same", expected, whole.state());
            assertEquals("checkpoint_entries 0: the checkpoint is not used", 310, whole.applied);
            assertEquals(0, whole.restored);
        }
        assertArrayEquals("nor written", before, Files.readAllBytes(checkpoint("a")));
    }

    /**
     * The checkpoint holds RAFT's members as a snapshot does: the members a node was started with count only
     * until its log says otherwise (a forced recovery sets them outside RAFT's own entries).
     */
    @Test
    public void aRestartFromACheckpointHasTheMembersItHadThen() throws Exception {
        Machine live = new Machine();
        try (JChannel ch = start("a", live, 100)) {
            live.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(live.raft, "e", 1, 150, 1, new ArrayList<>());
        }
        Machine restarted = new Machine();
        try (JChannel ch = start("a", restarted, 100, List.of("a", "z"))) {
            assertEquals(1, restarted.restored);
            assertEquals("the members at the checkpoint, not those the node was started with", List.of("a"),
                    restarted.raft.members());
        }
    }

    /**
     * A large state is written in one pass: its buffer grows by doubling. Grown by what each write needed, the
     * 3 MB of 1,000 groups with a full adjust history took 7 s to serialize, on RAFT's processing thread.
     */
    @Test
    public void aCheckpointOfALargeStateTakesMilliseconds() throws Exception {
        Machine live = new Machine();
        for (int i = 0; i < 60_000; i++) {
            live.state.add("a state of 1.5 MB " + i); // what the machine held before this log (its snapshot)
        }
        List<String> expected = new ArrayList<>(live.state);
        try (JChannel ch = start("a", live, 100)) {
            live.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(live.raft, "e", 1, 99, 1, expected);
            long t0 = System.nanoTime();
            append(live.raft, "e", 100, 100, 1, expected); // and a checkpoint after it, once its caller returned
            while (!Files.exists(checkpoint("a")) && System.nanoTime() - t0 < 30_000_000_000L) {
                Thread.sleep(1);
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue("the entry and a checkpoint of " + Files.size(checkpoint("a")) + " bytes took " + millis
                    + " ms", millis < 2_000);
        }
        Machine restarted = new Machine();
        try (JChannel ch = start("a", restarted, 100)) {
            assertEquals(expected, restarted.state());
            assertEquals(0, restarted.applied);
        }
    }

    @Test
    public void aDamagedCheckpointIsNotUsedAndTheReplayWritesAFreshOne() throws Exception {
        List<String> expected = new ArrayList<>();
        Machine live = new Machine();
        try (JChannel ch = start("a", live, 100)) {
            live.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(live.raft, "e", 1, 250, 1, expected);
        }
        byte[] bytes = Files.readAllBytes(checkpoint("a"));
        bytes[bytes.length / 2] ^= 0x10; // one bit of the content
        Files.write(checkpoint("a"), bytes);

        Machine replayed = new Machine();
        try (JChannel ch = start("a", replayed, 100)) {
            assertEquals(expected, replayed.state());
            assertEquals("the whole log replayed", 250, replayed.applied);
            assertEquals(0, replayed.restored);
        }
        Machine next = new Machine();
        try (JChannel ch = start("a", next, 100)) {
            assertEquals(expected, next.state());
            assertEquals("the replay wrote a checkpoint at its end", 0, next.applied);
        }
    }

    @Test
    public void aCheckpointOfAnotherLogOrBeyondTheCommitIndexIsNotUsed() throws Exception {
        List<String> mine = new ArrayList<>();
        Machine a = new Machine();
        try (JChannel ch = start("a", a, 100)) {
            a.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(a.raft, "a", 1, 150, 1, mine);
        }
        Machine b = new Machine();
        try (JChannel ch = start("b", b, 100)) {
            b.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(b.raft, "b", 1, 150, 1, new ArrayList<>()); // a checkpoint at 100, of term 1 too
        }
        Files.copy(checkpoint("b"), checkpoint("a"), StandardCopyOption.REPLACE_EXISTING);
        Machine other = new Machine();
        try (JChannel ch = start("a", other, 100)) {
            assertEquals("index 100 of a's log is of term 1 too, but another entry", mine, other.state());
            assertEquals(150, other.applied);
            assertEquals(0, other.restored);
        }

        Machine b2 = new Machine();
        try (JChannel ch = start("b", b2, 100)) {
            b2.raft.setLeaderAndTerm(ch.getAddress(), 1);
            append(b2.raft, "b", 151, 250, 1, new ArrayList<>()); // a checkpoint at 200
        }
        Files.copy(checkpoint("b"), checkpoint("a"), StandardCopyOption.REPLACE_EXISTING);
        Machine beyond = new Machine();
        try (JChannel ch = start("a", beyond, 100)) {
            assertEquals("a's log commits up to 150 only", mine, beyond.state());
            assertEquals(150, beyond.applied);
            assertEquals(0, beyond.restored);
        }
    }

    private Path checkpoint(String node) {
        return LOG_DIR.resolve(run + "-" + node + ".checkpoint");
    }

    private JChannel start(String node, Machine machine, int checkpointEntries) throws Exception {
        return start(node, machine, checkpointEntries, List.of(node));
    }

    private JChannel start(String node, Machine machine, int checkpointEntries, List<String> members)
            throws Exception {
        CheckedRAFT raft = new CheckedRAFT();
        machine.raft = raft;
        raft.raftId(node).members(members).logDir(LOG_DIR.toString()).logPrefix(run + "-" + node)
                .stateMachine(machine);
        raft.checkpoint_entries = checkpointEntries;
        Files.createDirectories(LOG_DIR);
        JChannel ch = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(100), raft).name(node);
        ch.connect(run + "-" + node);
        return ch;
    }

    /** a one-node log commits at once: set() returns once the entry is applied */
    private static void append(CheckedRAFT raft, String prefix, int first, int last, long term,
                               List<String> expected) throws Exception {
        for (int i = first; i <= last; i++) {
            byte[] b = (prefix + i).getBytes(StandardCharsets.UTF_8);
            raft.set(b, 0, b.length, 10, TimeUnit.SECONDS);
            expected.add(prefix + i + "@" + term);
        }
    }
}
