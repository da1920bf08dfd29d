package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.RAFT;
import org.junit.After;
import org.junit.Test;

/**
 * A snapshot asked of the leader while a follower in its view lags: three
 * channels over shared loopback with the checked pair, and DISCARD below one
 * follower's RAFT so that it misses everything the other two commit. RAFT
 * cuts at the commit index, so a snapshot there would leave that follower
 * with the snapshot instead of the entries (what its members must not see).
 */
public class CheckedSnapshotTest {

    private static final long WAIT_MS = 10_000;

    /** FileBasedLog's folders, each named by its log prefix (InMemoryLog keeps its logs in memory by name) */
    private static final Path LOG_DIR = Path.of("target", "checked-snapshot-logs");

    private final String prefix = "checked-snapshot-" + UUID.randomUUID();
    private String logClass = InMemoryLog.class.getName();
    private final List<JChannel> channels = new ArrayList<>();
    private final List<RecordingStateMachine> machines = new ArrayList<>();

    @After
    public void close() throws IOException {
        channels.forEach(JChannel::close);
        if (Files.isDirectory(LOG_DIR)) {
            try (Stream<Path> files = Files.walk(LOG_DIR)) {
                files.filter(f -> f.toString().contains(prefix)).sorted(Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    public void theLeaderCutsItsLogOnlyWhenNoFollowerInViewLacksACommittedEntry() throws Exception {
        for (String id : List.of("a", "b", "c")) {
            start(id);
        }
        await("a leader", () -> leaderIndex() >= 0, this::roles);
        int leader = leaderIndex();
        int slow = (leader + 1) % 3;
        RAFT lead = raft(leader);
        discard(slow).discardAll(true);
        for (int i = 0; i < 20; i++) {
            byte[] entry = ("e" + i).getBytes(StandardCharsets.UTF_8);
            lead.setAsync(entry, 0, entry.length).get(WAIT_MS, TimeUnit.MILLISECONDS);
        }

        lead.snapshotAsync().get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("no snapshot while " + raft(slow).raftId() + " lacks committed entries", 0,
                lead.numSnapshots());
        assertEquals(1, ((CheckedRAFT) lead).snapshotsDeferred());

        discard(slow).discardAll(false);
        await(raft(slow).raftId() + " caught up", () -> raft(slow).commitIndex() == lead.commitIndex(),
                this::roles);
        assertEquals("the lagging follower applied every entry, in order", machines.get(leader).seen(),
                machines.get(slow).seen());
        assertEquals("and got no snapshot", 0, machines.get(slow).snapshotsRead());

        // the follower's acknowledgement reaches the leader's commit table a moment after its commit
        await("a snapshot once every follower has all", () -> {
            lead.snapshotAsync().get(WAIT_MS, TimeUnit.MILLISECONDS);
            return lead.numSnapshots() == 1;
        }, this::roles);
        assertEquals("the leader's log starts at its commit index", lead.commitIndex(), lead.log().firstAppended());
    }

    /**
     * A follower that was out of the view while the leader cut its log, and comes back after more commits: it
     * gets the leader's snapshot, and from it and the entries after it the same sequence as everyone else.
     */
    @Test
    public void aFollowerBackAfterTheCutGetsASnapshotOfTheIndexItIsLabelledWith() throws Exception {
        followerBackAfterTheCut();
    }

    /** the same on the log the shipped stack uses (CheckedRAFT's default), in files */
    @Test
    public void aFollowerBackAfterTheCutOfAFileLog() throws Exception {
        logClass = FileLog.class.getName();
        followerBackAfterTheCut();
    }

    /**
     * The follower that installed the snapshot restarts from its files and still holds what it appended after
     * the snapshot: with RAFT 1.1.4's FileBasedLog it read an empty log (the snapshot's entry was never written)
     * and failed every later append ({@link FileLog}).
     */
    @Test
    public void aFollowerThatInstalledASnapshotRestartsWithWhatItAppendedAfterIt() throws Exception {
        logClass = FileLog.class.getName();
        int gone = followerBackAfterTheCut();
        int leader = leaderIndex();
        String goneId = raft(gone).raftId();
        long appended = raft(gone).lastAppended();
        channels.get(gone).close();
        await("a view without " + goneId, () -> channels.get(leader).getView().size() == 2, this::roles);

        RecordingStateMachine machine = new RecordingStateMachine();
        JChannel ch = channel(goneId, machine, prefix + "-" + goneId + "-again");
        channels.set(gone, ch);
        machines.set(gone, machine);
        ch.connect(prefix);
        // read from its files when RAFT starts, before the leader has sent it anything
        assertTrue(goneId + " holds entries up to " + appended + " after its restart, not "
                + raft(gone).lastAppended() + " (first " + raft(gone).log().firstAppended() + ")",
                raft(gone).lastAppended() >= appended);
        commit(raft(leader), "after-restart", 3);
        RecordingStateMachine leaders = machines.get(leader);
        await(goneId + " applied the same sequence as the leader after its restart",
                () -> machine.seen().equals(leaders.seen()),
                () -> goneId + " read " + machine.snapshotsRead() + " snapshot(s) and applied " + machine.seen()
                        + "; the leader applied " + leaders.seen() + "; " + roles());
    }

    /**
     * A follower away while the others moved to a higher term comes back and appends the entries it missed, all
     * of the older term. The term it reads at its next start must be the higher one: RAFT 1.1.4's file log wrote
     * the appended entries' term as the node's current term, so a node restarted then had a term it had already
     * voted in, or left, as its newest.
     */
    @Test
    public void aFollowerThatCaughtUpWithAnOlderTermKeepsTheNewerOneOnDisk() throws Exception {
        logClass = FileLog.class.getName();
        for (String id : List.of("a", "b", "c")) {
            start(id);
        }
        await("a leader", () -> leaderIndex() >= 0, this::roles);
        int leader = leaderIndex();
        int gone = (leader + 1) % 3;
        int other = (leader + 2) % 3;
        commit(raft(leader), "before", 3);
        String goneId = raft(gone).raftId();
        await(goneId + " has everything", () -> raft(gone).commitIndex() == raft(leader).commitIndex(),
                this::roles);
        channels.get(gone).close();
        await("a view without " + goneId, () -> channels.get(leader).getView().size() == 2, this::roles);
        commit(raft(leader), "while-away", 5);
        long newer = raft(leader).currentTerm() + 5;
        org.jgroups.Address leaderAddress = channels.get(leader).getAddress();
        raft(other).setLeaderAndTerm(leaderAddress, newer);
        raft(leader).setLeaderAndTerm(leaderAddress, newer);

        RecordingStateMachine machine = new RecordingStateMachine();
        JChannel ch = channel(goneId, machine, prefix + "-" + goneId); // its own files
        channels.set(gone, ch);
        machines.set(gone, machine);
        ch.connect(prefix);
        await(goneId + " appended what it missed", () -> raft(gone).lastAppended() == raft(leader).lastAppended()
                && raft(gone).currentTerm() == newer, this::roles);
        String logName = raft(gone).logName();
        ch.close();
        FileLog files = new FileLog();
        files.init(logName, java.util.Map.of());
        try {
            assertEquals(goneId + "'s term on disk", newer, files.currentTerm());
        } finally {
            files.close();
        }
    }

    /** the index of the follower that was away while the leader cut its log */
    private int followerBackAfterTheCut() throws Exception {
        for (String id : List.of("a", "b", "c")) {
            start(id);
        }
        await("a leader", () -> leaderIndex() >= 0, this::roles);
        int leader = leaderIndex();
        int gone = (leader + 1) % 3;
        RAFT lead = raft(leader);
        commit(lead, "before", 5);
        await(raft(gone).raftId() + " has everything", () -> raft(gone).commitIndex() == lead.commitIndex(),
                this::roles);
        String goneId = raft(gone).raftId();
        channels.get(gone).close();
        await("a view without " + goneId, () -> channels.get(leader).getView().size() == 2, this::roles);

        commit(lead, "while-away", 10);
        lead.snapshotAsync().get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("the leader cut its log while " + goneId + " was away", 1, lead.numSnapshots());
        commit(lead, "after-cut", 5);

        restart(gone, goneId);
        commit(lead, "back", 3);
        // a commit returns when the entry is applied; RAFT moves its commit index after the whole batch
        RecordingStateMachine leaders = machines.get(leader);
        RecordingStateMachine back = machines.get(gone);
        await(goneId + " applied the same sequence as the leader", () -> back.seen().equals(leaders.seen()),
                () -> goneId + " read " + back.snapshotsRead() + " snapshot(s) and applied " + back.seen()
                        + "; the leader applied " + leaders.seen() + "; " + roles());
        return gone;
    }

    private static void commit(RAFT lead, String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] entry = (prefix + i).getBytes(StandardCharsets.UTF_8);
            lead.setAsync(entry, 0, entry.length).get(WAIT_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** the node comes back with an empty log: a new machine in its place */
    private void restart(int index, String id) throws Exception {
        RecordingStateMachine machine = new RecordingStateMachine();
        JChannel ch = channel(id, machine, prefix + "-" + id + "-again");
        channels.set(index, ch);
        machines.set(index, machine);
        ch.connect(prefix);
    }

    private void start(String id) throws Exception {
        RecordingStateMachine machine = new RecordingStateMachine();
        JChannel ch = channel(id, machine, prefix + "-" + id);
        channels.add(ch);
        machines.add(machine);
        ch.connect(prefix);
    }

    private JChannel channel(String id, RecordingStateMachine machine, String logName) throws Exception {
        CheckedRAFT raft = new CheckedRAFT();
        raft.raftId(id).members(List.of("a", "b", "c")).logClass(logClass).logDir(LOG_DIR.toString())
                .logPrefix(logName).stateMachine(machine).resendInterval(100);
        return new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(1000), new DISCARD(), new CheckedELECTION2(),
                raft).name(id);
    }

    private RAFT raft(int i) {
        return channels.get(i).getProtocolStack().findProtocol(RAFT.class);
    }

    private DISCARD discard(int i) {
        return channels.get(i).getProtocolStack().findProtocol(DISCARD.class);
    }

    private int leaderIndex() {
        for (int i = 0; i < channels.size(); i++) {
            if (raft(i).isLeader()) {
                return i;
            }
        }
        return -1;
    }

    private String roles() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < channels.size(); i++) {
            RAFT r = raft(i);
            b.append(r.raftId()).append(r.isLeader() ? " leads" : " follows").append(" term ").append(r.currentTerm())
                    .append(" commit ").append(r.commitIndex()).append(" snapshots ").append(r.numSnapshots())
                    .append("; ");
        }
        return b.toString();
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static boolean await(String what, Check check, Supplier<String> state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return true;
            }
            Thread.sleep(20);
        }
        fail(what + " not within " + WAIT_MS + " ms; " + state.get());
        return false;
    }
}
