package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * What a leader may commit. Three channels over shared loopback with RAFT and
 * no election protocol: the test names each term's leader, as votes that
 * compare (last term, last index) could have; DISCARD above GMS cuts a node
 * off without a view change. Both cases are jgroups-raft 1.1.4's RAFT
 * committing on the leader what no majority holds.
 */
public class CheckedLeaderTest {

    private static final long WAIT_MS = 10_000;

    private final String prefix = "checked-leader-" + UUID.randomUUID();
    private final List<JChannel> channels = new ArrayList<>();
    private final List<RecordingStateMachine> machines = new ArrayList<>();

    @Before
    public void termOneLeaderACommitsE1() throws Exception {
        for (String id : List.of("a", "b", "c")) {
            start(id);
        }
        await("a view of three", () -> channels.stream().allMatch(c -> c.getView().size() == 3));
        lead(0, 1, 0, 1, 2);
        append(0, "e1");
        await("e1 applied everywhere", () -> machines.stream().allMatch(m -> m.seen().equals(List.of("e1"))));
    }

    @After
    public void close() {
        channels.forEach(JChannel::close);
    }

    /**
     * Leader A, cut off, appends x; then a read (RAFT's read-only request, which Cutover's commit nudge is) runs
     * on A. RAFT 1.1.4 handles a batch that holds only reads by committing everything it appended.
     */
    @Test
    public void aReadOnALeaderCutOffCommitsNothing() throws Exception {
        cut(0, true);
        append(0, "x");
        await("x in A's log", () -> raft(0).lastAppended() == 2);
        raft(0).getAsync(RecordingStateMachine.READ, 0, RecordingStateMachine.READ.length);
        Thread.sleep(500);
        assertEquals("A alone holds x: nothing committed", 1, raft(0).commitIndex());
        assertEquals(List.of("e1"), machines.get(0).seen());
    }

    /**
     * Figure 8 of the Raft paper. A (term 1) appends x alone; B (term 2) appends y alone; A leads term 3 with C's
     * vote (A's log ends at (1, 2), C's at (1, 1)) and copies x to C; then B leads term 4 with C's vote (B's log
     * ends at (2, 2), C's at (1, 2)) and overwrites x with y. x was on a majority in term 3, but not of term 3:
     * had A committed it by counting copies, as RAFT 1.1.4's leader does for the entries it finds above its commit
     * index, A would have applied x where B and C apply y.
     */
    @Test
    public void anOlderTermsEntryOnAMajorityIsCommittedOnlyWithOneOfTheLeadersTerm() throws Exception {
        cut(0, true);
        append(0, "x");
        await("x in A's log", () -> raft(0).lastAppended() == 2);

        lead(1, 2, 1, 2);
        cut(1, true);
        append(1, "y");
        await("y in B's log", () -> raft(1).lastAppended() == 2);

        cut(0, false);
        lead(0, 3, 0, 2);
        await("x copied to C", () -> raft(2).lastAppended() == 2 && term(2, 2) == 1);
        await("A learned that C holds x", () -> matchIndex(0, 2) == 2);
        Thread.sleep(300);
        assertEquals("x is not A's term's: A commits nothing by C's copy", 1, raft(0).commitIndex());

        cut(0, true);
        cut(1, false);
        lead(1, 4, 1, 2);
        await("y replaced x at C", () -> term(2, 2) == 2);
        append(1, "z");
        await("B and C apply y and z", () -> machines.get(1).seen().size() == 3 && machines.get(2).seen().size() == 3);

        cut(0, false);
        lead(1, 4, 0);
        await("A caught up", () -> machines.get(0).seen().size() == 3);
        List<String> expected = List.of("e1", "y", "z");
        for (int i = 0; i < 3; i++) {
            assertEquals(raft(i).raftId() + " applied", expected, machines.get(i).seen());
        }
    }

    /**
     * The followers apply an entry while the leader is still applying it: they learn of the commit before the
     * leader applies, not after (an adjust of 1,000 groups took the leader's applier about a millisecond, which
     * every follower's apply, and the asker's wait for their confirmations, queued behind). The leader's apply here
     * waits until both followers have applied the entry, or for 5 s; RAFT's own resends cannot bring the commit
     * meanwhile, since they run on the processing thread that is applying.
     */
    @Test
    public void theFollowersApplyAnEntryWhileTheLeaderStillAppliesIt() throws Exception {
        AtomicBoolean followersFirst = new AtomicBoolean();
        machines.get(0).beforeApply(entry -> {
            if (entry.equals("slow")) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < deadline) {
                    if (machines.get(1).seen().contains("slow") && machines.get(2).seen().contains("slow")) {
                        followersFirst.set(true);
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        });
        append(0, "slow");
        await("slow applied at A", () -> machines.get(0).seen().contains("slow"));
        assertTrue("B " + machines.get(1).seen() + " and C " + machines.get(2).seen()
                + " applied slow while A applied it", followersFirst.get());
        for (int i = 0; i < 3; i++) {
            assertEquals(raft(i).raftId() + " applied", List.of("e1", "slow"), machines.get(i).seen());
        }
    }

    /**
     * C is at a higher term than leader A (its votes ran on while it heard no one, then it came back). Raft's
     * answer to a request of an older term carries the newer term, and the old leader steps down, so that the
     * next vote is of a term C takes part in. RAFT 1.1.4 drops such a request without an answer: A kept leading
     * term 1, and C never got another entry (ChaosTest, seed 20261201: a node at term 119 beside a leader of term
     * 49, for a minute, until the test gave up).
     */
    @Test
    public void aLeaderOfAnOlderTermLearnsTheNewerOneAndStepsDown() throws Exception {
        raft(2).setLeaderAndTerm(null, 5);
        append(0, "e2");
        await("A in term 5, not leading", () -> raft(0).currentTerm() == 5 && !raft(0).isLeader());
        lead(1, 6, 0, 1, 2);
        append(1, "e3");
        // e2 was never committed: whether it survives depends on whether B held it when A stepped down (under
        // load it once did not). Either way every node applies one sequence, ending with e3
        await("e3 applied everywhere", () -> machines.stream().allMatch(m -> m.seen().contains("e3")));
        List<String> applied = machines.get(1).seen();
        assertTrue("B applied " + applied, applied.equals(List.of("e1", "e2", "e3"))
                || applied.equals(List.of("e1", "e3")));
        for (int i = 0; i < 3; i++) {
            assertEquals(raft(i).raftId() + " applied", applied, machines.get(i).seen());
        }
    }

    /**
     * C led term 2 alone (cut off) and appended x1-x5 that no one else has; a vote then raised it to term 3. Back,
     * it gets A's request of term 1 and answers with term 3 and FAIL_ENTRY_NOT_FOUND. A becomes the leader of term
     * 3 (ELECTION2's coordinator picks it) before that answer reaches it, and RAFT's leader records the answer's
     * index as C's match. With C's log end (6) A counted C as holding six of its entries where C held one; C's
     * checked answers then stepped back below it (the commit-table assertion ChaosTest logged).
     */
    @Test
    public void aStaleAnswerOfAnOlderTermCountsOnlyWhatTheNodeChecked() throws Exception {
        cut(2, true);
        lead(2, 2, 2);
        for (int i = 1; i <= 5; i++) {
            append(2, "x" + i);
        }
        await("x1-x5 in C's log", () -> raft(2).lastAppended() == 6);
        raft(2).setLeaderAndTerm(null, 3);
        Hold hold = channels.get(0).getProtocolStack().findProtocol(Hold.class);
        hold.from(channels.get(2).getAddress());
        cut(2, false);
        append(0, "e2");
        await("C answered A's request of term 1", () -> hold.parked() > 0);
        await("e2 applied at A and B", () -> machines.get(0).seen().size() == 2 && machines.get(1).seen().size() == 2);
        lead(0, 3, 0, 1);
        hold.releaseOne();
        append(0, "e3"); // queued behind the answer on A's processing thread; C's answers to it stay parked
        await("A appended e3, so it has read C's answer", () -> raft(0).lastAppended() == 3);
        assertEquals("what A counts C as holding: only e1 is both A's and C's", 1, matchIndex(0, 2));
        hold.releaseAll();
        await("e3 applied everywhere", () -> machines.stream().allMatch(m -> m.seen().size() == 3));
        for (int i = 0; i < 3; i++) {
            assertEquals(raft(i).raftId() + " applied", List.of("e1", "e2", "e3"), machines.get(i).seen());
        }
    }

    /** parks the messages from one member, in order, until the test lets them up */
    static final class Hold extends Protocol {
        private final List<Message> parked = new ArrayList<>();
        private Address from;

        synchronized void from(Address member) {
            from = member;
        }

        synchronized int parked() {
            return parked.size();
        }

        void releaseOne() {
            Message m;
            synchronized (this) {
                m = parked.remove(0);
            }
            up_prot.up(m);
        }

        void releaseAll() {
            List<Message> all;
            synchronized (this) {
                all = new ArrayList<>(parked);
                parked.clear();
                from = null;
            }
            all.forEach(up_prot::up);
        }

        @Override
        public Object up(Message msg) {
            synchronized (this) {
                if (from != null && from.equals(msg.src())) {
                    parked.add(msg);
                    return null;
                }
            }
            return up_prot.up(msg);
        }

        @Override
        public void up(MessageBatch batch) {
            for (Message m : batch) {
                up(m);
            }
        }
    }

    private void start(String id) throws Exception {
        RecordingStateMachine machine = new RecordingStateMachine();
        CheckedRAFT raft = new CheckedRAFT();
        raft.raftId(id).members(List.of("a", "b", "c")).logClass(InMemoryLog.class.getName())
                .logPrefix(prefix + "-" + id).stateMachine(machine).resendInterval(50);
        JChannel ch = new JChannel(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(), new NAKACK2(),
                new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(1000), new DISCARD(), new Hold(), raft).name(id);
        channels.add(ch);
        machines.add(machine);
        ch.connect(prefix);
    }

    /** node {@code leader} leads {@code term} at the given nodes (itself included where it is named) */
    private void lead(int leader, long term, int... at) {
        Address addr = channels.get(leader).getAddress();
        for (int i : at) {
            raft(i).setLeaderAndTerm(addr, term);
        }
    }

    private void append(int node, String command) throws Exception {
        byte[] b = command.getBytes(StandardCharsets.UTF_8);
        raft(node).setAsync(b, 0, b.length);
    }

    private void cut(int node, boolean off) {
        channels.get(node).getProtocolStack().<DISCARD>findProtocol(DISCARD.class).discardAll(off);
    }

    private RAFT raft(int i) {
        return channels.get(i).getProtocolStack().findProtocol(RAFT.class);
    }

    private long term(int node, long index) {
        var e = raft(node).log().get(index);
        return e == null ? -1 : e.term();
    }

    private long matchIndex(int leader, int follower) {
        var table = raft(leader).commitTable();
        var e = table == null ? null : table.get(channels.get(follower).getAddress());
        return e == null ? -1 : e.matchIndex();
    }

    private String state() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < channels.size(); i++) {
            RAFT r = raft(i);
            b.append(r.raftId()).append(r.isLeader() ? " leads" : " follows").append(" term ").append(r.currentTerm())
                    .append(" last ").append(r.lastAppended()).append(" commit ").append(r.commitIndex())
                    .append(" applied ").append(machines.get(i).seen()).append("; ");
        }
        return b.toString();
    }

    private void await(String what, BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return;
            }
            Thread.sleep(10);
        }
        fail(what + " not within " + WAIT_MS + " ms; " + state());
    }
}
