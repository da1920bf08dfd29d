package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.DataInput;
import java.io.DataOutput;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jgroups.Address;
import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.protocols.raft.AppendEntriesRequest;
import org.jgroups.protocols.raft.AppendEntriesResponse;
import org.jgroups.protocols.raft.AppendResult;
import org.jgroups.protocols.raft.ELECTION2;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.RaftHeader;
import org.jgroups.protocols.raft.election.BaseElection;
import org.jgroups.protocols.raft.election.VoteRequest;
import org.jgroups.protocols.raft.election.VoteResponse;
import org.jgroups.raft.StateMachine;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.Util;
import org.junit.After;
import org.junit.Test;

/**
 * Votes of one follower: its RAFT and election protocols running (RAFT's processing
 * thread included) over a wire the test reads, on a disk that can be slow for one
 * append. Leader B leads term 3; coordinator A asks for votes.
 *
 * <p>A vote during an append: leader B of term 3 sends entry 3; the node has checked B's term and is
 * writing the entry when coordinator A's vote request for term 4 arrives. The
 * node acknowledges entry 3 to B (B and it are a majority: entry 3 is
 * committed), so the vote must not report a log without it: ELECTION2 elects
 * the voter with the highest log, and a leader without entry 3 would overwrite
 * it. jgroups-raft's own pair (RAFT or CheckedRAFT under ELECTION2) answers
 * the vote at once with a log ending at 2, and then acknowledges 3 to term 3.
 */
public class CheckedElectionTest {

    private final Address a = node("a");
    private final Address b = node("b");
    private final Address me = node("x");
    private final SlowLog disk = new SlowLog();
    private final Wire wire = new Wire();
    private RAFT raft;

    @After
    public void stop() {
        disk.release();
        if (raft != null) {
            raft.stop();
        }
    }

    @Test
    public void aVoteNeverReportsLessThanTheNodeAcknowledgedToTheOldTerm() throws Exception {
        start(new CheckedRAFT(), new CheckedELECTION2());
        append(0, 0, "e1", "e2");
        assertEquals("ok 2", okIndex(response(AppendEntriesResponse.class)));

        CountDownLatch writing = disk.slowNextAppend();
        append(2, 3, "e3");
        assertTrue("the entry reached the disk", writing.await(5, TimeUnit.SECONDS));
        Thread voter = new Thread(() -> election.up(new EmptyMessage(me).setSrc(a)
                .putHeader(election.getId(), new VoteRequest(4))), "vote-from-a");
        voter.start();
        voter.join(300); // the vote's thread may wait for the append, or answer now
        disk.release();
        voter.join(5_000);

        VoteResponse vote = response(VoteResponse.class);
        AppendEntriesResponse ack = response(AppendEntriesResponse.class);
        long acked = ack.currTerm() < 4 && result(ack).success() ? result(ack).index() : 0;
        long reported = (long) field(vote, "last_log_index");
        assertTrue("the vote for term 4 reported a log ending at " + reported + ", and the node acknowledged "
                + acked + " to term " + ack.currTerm() + "'s leader", reported >= acked);
    }

    /** the same steps on jgroups-raft's ELECTION2: shows the race the checked pair closes (the test above's twin) */
    @Test
    public void jgroupsRaftsOwnElectionReportsALogWithoutTheAcknowledgedEntry() throws Exception {
        start(new CheckedRAFT(), new ELECTION2());
        append(0, 0, "e1", "e2");
        response(AppendEntriesResponse.class);
        CountDownLatch writing = disk.slowNextAppend();
        append(2, 3, "e3");
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        election.up(new EmptyMessage(me).setSrc(a).putHeader(election.getId(), new VoteRequest(4)));
        VoteResponse vote = response(VoteResponse.class);
        disk.release();
        AppendEntriesResponse ack = response(AppendEntriesResponse.class);
        assertEquals("reported", 2L, field(vote, "last_log_index"));
        assertEquals("acknowledged to term 3", "3@3", result(ack).index() + "@" + ack.currTerm());
    }

    /** a node whose log may have lost acknowledged entries answers no vote until it holds all B committed */
    @Test
    public void aNodeThatMayHaveLostItsLogVotesOnlyOnceCaughtUp() throws Exception {
        CheckedRAFT r = new CheckedRAFT();
        r.setValue("catch_up_before_voting", true); // as the node sets it (ClusterNode, LogLossCheck)
        start(r, new CheckedELECTION2());
        vote(4);
        Thread.sleep(200);
        assertEquals("answers to the vote while behind", List.of(), headers(VoteResponse.class));

        append(0, 0, 2, "e1"); // B has committed 2 entries; this node holds 1
        assertEquals("ok 1", okIndex(response(AppendEntriesResponse.class)));
        vote(5);
        Thread.sleep(200);
        assertEquals("answers to the vote one entry behind", List.of(), headers(VoteResponse.class));

        append(1, 3, 2, "e2");
        assertEquals("ok 2", okIndex(response(AppendEntriesResponse.class)));
        vote(6);
        assertEquals("caught up: votes again, with its whole log", 2L, field(response(VoteResponse.class),
                "last_log_index"));
    }

    /**
     * The coordinator's rounds: round 1 (term 1) gets no answer in time; round 2 (term 2) gets b's vote, and a's
     * answer to round 1 arrives late, during round 2. a raised its term to 1 only, so it may still take entries
     * of a leader of term 1 and acknowledge them; counted in round 2 it makes b and a a majority for a leader whose
     * log may lack them. Only votes of the round's own term count: round 2 has one of the two it needs.
     */
    @Test
    public void aVoteForAnEarlierRoundIsNotCountedInALaterOne() throws Exception {
        CheckedELECTION2 rounds = new CheckedELECTION2();
        start(new CheckedRAFT(), rounds);
        assertEquals("the leader of round 2", null, lateVoteInRoundTwo());
        assertEquals("votes counted in round 2", 1, rounds.getVotes().numberOfValidResponses());
    }

    /** the same rounds under jgroups-raft's ELECTION2: the late vote makes the majority (the test above's twin) */
    @Test
    public void jgroupsRaftsOwnElectionCountsAVoteForAnEarlierRound() throws Exception {
        start(new CheckedRAFT(), new ELECTION2());
        assertEquals("the leader of round 2", a, lateVoteInRoundTwo());
    }

    /**
     * Round 1 unanswered; round 2 answered by b in its term and by a in round 1's; the leader round 2 chose. The
     * rounds run on the test's threads (BaseElection's own, not a view change's voting thread).
     */
    private Address lateVoteInRoundTwo() throws Exception {
        Field view = BaseElection.class.getDeclaredField("view");
        view.setAccessible(true);
        view.set(election, org.jgroups.View.create(me, 1, me, a, b));
        java.lang.reflect.Method round = BaseElection.class.getDeclaredMethod("runVotingProcess");
        round.setAccessible(true);
        election.voteTimeout(300);
        round.invoke(election);
        assertEquals("round 1's request", 1L, response(VoteRequest.class).currTerm());
        assertEquals("round 1's leader", null, raft.leader());
        Thread round2 = new Thread(() -> {
            try {
                round.invoke(election);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }, "round-2");
        round2.start();
        assertEquals("round 2's request", 2L, response(VoteRequest.class).currTerm());
        election.up(new EmptyMessage(me).setSrc(b).putHeader(election.getId(), new VoteResponse(2, 0, 0)));
        election.up(new EmptyMessage(me).setSrc(a).putHeader(election.getId(), new VoteResponse(1, 0, 0)));
        round2.join(5_000);
        return raft.leader();
    }

    private BaseElection election;

    private void vote(long term) {
        election.up(new EmptyMessage(me).setSrc(a).putHeader(election.getId(), new VoteRequest(term)));
    }

    private List<RaftHeader> headers(Class<? extends RaftHeader> type) {
        List<RaftHeader> out = new java.util.ArrayList<>();
        for (Message m : wire.sent) {
            for (short id : new short[] {raft.getId(), election.getId()}) {
                if (type.isInstance(m.getHeader(id))) {
                    out.add(m.getHeader(id));
                }
            }
        }
        return out;
    }

    private void start(RAFT r, BaseElection e) throws Exception {
        InMemoryLog log = disk;
        log.init("checked-election-test-" + java.util.UUID.randomUUID(), Map.of()); // InMemoryLog keeps logs by name
        r.raftId("x").members(List.of("a", "b", "x")).log(log).stateMachine(new Ignoring());
        Protocol top = new Protocol() {
            @Override
            public Object up(Message msg) {
                return null;
            }
        };
        wire.setUpProtocol(r);
        r.setDownProtocol(wire).setUpProtocol(e);
        e.setDownProtocol(r).setUpProtocol(top);
        r.addr(me);
        e.addr(me);
        r.init();
        e.init();
        e.raft(r); // init() looks for RAFT through a protocol stack, and there is none here
        r.start();
        e.start();
        raft = r;
        election = e;
    }

    private void append(long prevIndex, long prevTerm, String... commands) {
        append(prevIndex, prevTerm, 0, commands);
    }

    private void append(long prevIndex, long prevTerm, long leaderCommit, String... commands) {
        LogEntries entries = new LogEntries();
        for (String c : commands) {
            entries.add(new LogEntry(3, c.getBytes(StandardCharsets.UTF_8)));
        }
        raft.up(new ObjectMessage(me, entries).setSrc(b)
                .putHeader(raft.getId(), new AppendEntriesRequest(b, 3, prevIndex, prevTerm, 3, leaderCommit)));
    }

    private <T extends RaftHeader> T response(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (Message m : wire.sent) {
                for (short id : new short[] {raft.getId(), election.getId()}) {
                    if (type.isInstance(m.getHeader(id))) {
                        wire.sent.remove(m);
                        return type.cast(m.getHeader(id));
                    }
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no " + type.getSimpleName() + " within 5 s; sent: " + wire.sent);
    }

    private static String okIndex(AppendEntriesResponse r) throws ReflectiveOperationException {
        AppendResult res = result(r);
        return (res.success() ? "ok " : "refused ") + res.index();
    }

    private static AppendResult result(AppendEntriesResponse r) throws ReflectiveOperationException {
        return (AppendResult) field(r, "result");
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    private static Address node(String raftId) {
        return ExtendedUUID.randomUUID(raftId).put(RAFT.raft_id_key, Util.stringToBytes(raftId));
    }

    /** a disk whose next write waits until released */
    private static final class SlowLog extends InMemoryLog {
        private volatile CountDownLatch writing;
        private volatile CountDownLatch written;

        CountDownLatch slowNextAppend() {
            written = new CountDownLatch(1);
            writing = new CountDownLatch(1);
            return writing;
        }

        void release() {
            CountDownLatch w = written;
            if (w != null) {
                w.countDown();
            }
        }

        @Override
        public long append(long index, LogEntries entries) {
            CountDownLatch w = writing;
            if (w != null) {
                writing = null;
                w.countDown();
                try {
                    written.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.append(index, entries);
        }
    }

    /** the network under the node: what it sends is kept, nothing arrives from it */
    private static final class Wire extends Protocol {
        final BlockingQueue<Message> sent = new LinkedBlockingQueue<>();

        @Override
        public Object down(Message msg) {
            sent.add(msg);
            return null;
        }

        @Override
        public Object down(org.jgroups.Event evt) {
            return null;
        }
    }

    private static final class Ignoring implements StateMachine {
        @Override
        public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
            return null;
        }

        @Override
        public void readContentFrom(DataInput in) {
        }

        @Override
        public void writeContentTo(DataOutput out) {
        }
    }
}
