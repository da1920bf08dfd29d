package org.cutover.jgroups.raft;

import static org.junit.Assert.assertEquals;

import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.protocols.raft.AppendEntriesRequest;
import org.jgroups.protocols.raft.AppendEntriesResponse;
import org.jgroups.protocols.raft.AppendResult;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.PersistentState;
import org.jgroups.raft.StateMachine;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.UUID;
import org.junit.Before;
import org.junit.Test;

/**
 * The checked follower on its own, without a network: RAFT's requests are fed
 * to it as a leader would send them, and what it applies is recorded.
 *
 * <p>The story of every test: this node led term 1 and appended "a1".."a3";
 * only "a1" reached a majority before it was cut off. Leader B took over in
 * term 2 and wrote "b2".."b4" at indexes 2-4. B now talks to this node.
 */
public class CheckedFollowerTest {

    private final Address oldLeader = UUID.randomUUID();
    private final Address newLeader = UUID.randomUUID();
    private final List<String> applied = new ArrayList<>();
    private RAFT raft;

    @Before
    public void deposedLeaderWithTwoEntriesNobodyElseHas() throws Exception {
        raft = follower(new CheckedRAFT());
        raft.setLeaderAndTerm(oldLeader, 1);
        // as a follower of itself, so to speak: the same log a leader of term 1 leaves behind
        append(oldLeader, 0, 0, 1, 1, "a1", "a2", "a3");
        assertEquals("only a1 was committed in term 1", List.of("a1"), applied);
        raft.setLeaderAndTerm(newLeader, 2);
    }

    /** RAFT 1.1.4's own follower commits a2 and a3 here: entries no other node has */
    @Test
    public void aCommitMessageCommitsNothingNotCheckedAgainstTheLeader() {
        AppendResult r = append(newLeader, 4, 2, 2, 4);
        assertEquals("applied after B's commit message", List.of("a1"), applied);
        assertEquals("commit index", 1, raft.commitIndex());
        assertEquals("an OK is a vote for every entry up to its index: only the checked one", 1, r.index());
    }

    @Test
    public void theOldTermsEntriesGiveWayToTheLeadersAndOnlyTheyAreApplied() {
        append(newLeader, 4, 2, 2, 4); // a commit message first, as in ChaosTest
        AppendResult r = append(newLeader, 3, 2, 2, 4, "b4");
        assertEquals("refused: the entry before b4 is a3, of term 1", AppendResult.Result.FAIL_CONFLICTING_PREV_TERM,
                result(r));
        assertEquals("the leader goes back to where term 1 starts above the commit index", 2, r.index());
        r = append(newLeader, 1, 1, 2, 4, "b2", "b3", "b4");
        assertEquals(AppendResult.Result.OK, result(r));
        assertEquals(4, r.index());
        assertEquals(List.of("a1", "b2", "b3", "b4"), applied);
        assertEquals(List.of("1:a1", "2:b2", "2:b3", "2:b4"), log());
    }

    /** the entry at prev matches, the ones after it in this log do not: they are replaced, never kept */
    @Test
    public void entriesAfterAMatchingOneAreComparedOneByOne() {
        AppendResult r = append(newLeader, 1, 1, 2, 1, "b2");
        assertEquals(AppendResult.Result.OK, result(r));
        assertEquals("b2 replaced a2 and everything after it", List.of("1:a1", "2:b2"), log());
        assertEquals(List.of("a1"), applied);
        append(newLeader, 2, 2, 2, 4, "b3", "b4");
        assertEquals(List.of("a1", "b2", "b3", "b4"), applied);
    }

    /** an empty request whose previous entry is this log's (the commit nudge's) lets the commit index follow */
    @Test
    public void anEmptyRequestNamingAMatchingEntryCommitsUpToIt() {
        append(newLeader, 1, 1, 2, 1, "b2", "b3");
        Address third = UUID.randomUUID();
        raft.setLeaderAndTerm(third, 3); // another leader: nothing checked in term 3 yet
        append(third, 2, 1, 3, 3);
        assertEquals("b2's term is 2, not 1: nothing checked", List.of("a1"), applied);
        append(third, 2, 2, 3, 3);
        assertEquals("checked up to b2 only", List.of("a1", "b2"), applied);
        append(third, 3, 2, 3, 3);
        assertEquals(List.of("a1", "b2", "b3"), applied);
    }

    /** a request beyond this log's end: the leader learns how far this log is its own, not how long it is */
    @Test
    public void aFollowerBehindReportsOnlyWhatItChecked() {
        AppendResult r = append(newLeader, 9, 2, 2, 9, "b10");
        assertEquals(AppendResult.Result.FAIL_ENTRY_NOT_FOUND, result(r));
        assertEquals("a2 and a3 are not the leader's", 1, r.index());
        append(newLeader, 1, 1, 2, 9, "b2");
        r = append(newLeader, 9, 2, 2, 9, "b10");
        assertEquals(2, r.index());
    }

    /** a committed entry is never deleted, whatever a request says about the ones before it */
    @Test
    public void aRequestBelowTheCommitIndexChangesNothingCommitted() {
        AppendResult r = append(newLeader, 0, 0, 2, 1, "a1");
        assertEquals(AppendResult.Result.OK, result(r));
        assertEquals(List.of("1:a1", "1:a2", "1:a3"), log());
        assertEquals(1, raft.commitIndex());
    }

    /**
     * A second copy of a snapshot the node installed, arriving after the entries behind it were acknowledged:
     * RAFT 1.1.4's follower installs it and drops its log back to the snapshot's index, taking back what it
     * acknowledged; the checked one keeps its log and reports it.
     */
    @Test
    public void aSnapshotThisLogAlreadyHoldsIsNotInstalled() throws Exception {
        append(newLeader, 1, 1, 2, 4, "b2", "b3", "b4");
        List<AppendResult> answers = answers();
        ByteArrayDataOutputStream snapshot = new ByteArrayDataOutputStream();
        PersistentState members = new PersistentState();
        members.setMembers(List.of("me", "b", "c"));
        members.writeTo(snapshot);
        raft.impl().handleInstallSnapshotRequest(new BytesMessage(raft.getAddress(), snapshot.buffer(), 0,
                snapshot.position()).setSrc(newLeader), newLeader, 2, 2);
        assertEquals("the log after a snapshot of index 2", List.of("1:a1", "2:b2", "2:b3", "2:b4"), log());
        assertEquals(List.of("a1", "b2", "b3", "b4"), applied);
        assertEquals("answered", 1, answers.size());
        assertEquals("what it acknowledged before", 4, answers.get(0).index());
    }

    /**
     * A vote of term 3 is under way (no leader yet) when the deposed leader of term 1 sends again. The answer
     * carries term 3, and its index must claim only what was checked: ELECTION2's coordinator may make the asker
     * the leader of term 3 before the answer reaches it, and RAFT's leader records a FAIL_ENTRY_NOT_FOUND's index
     * as matched. Claiming the whole log (a2, a3: no leader's) counted this node as holding entries it did not
     * hold, and its checked answers after that stepped back below the recorded match (the leader's commit-table
     * assertion in ChaosTest: "commit-index=45419, match-index=45421, next-index=45420").
     */
    @Test
    public void anAnswerToAnOlderTermClaimsOnlyWhatWasChecked() {
        raft.setLeaderAndTerm(null, 3);
        List<AppendResult> answers = answers();
        LogEntries entries = new LogEntries().add(new LogEntry(1, "a4".getBytes(StandardCharsets.UTF_8)));
        raft.handleUpRequest(new ObjectMessage(raft.getAddress(), entries).setSrc(oldLeader),
                new AppendEntriesRequest(oldLeader, 1, 3, 1, 1, 1));
        assertEquals("answered", 1, answers.size());
        assertEquals(AppendResult.Result.FAIL_ENTRY_NOT_FOUND, result(answers.get(0)));
        assertEquals("only a1 is checked (committed)", 1, answers.get(0).index());
        assertEquals("a4 not appended", List.of("1:a1", "1:a2", "1:a3"), log());
    }

    /** what this node sends down: its answers */
    private List<AppendResult> answers() {
        List<AppendResult> answers = new ArrayList<>();
        raft.setDownProtocol(new Protocol() {
            @Override
            public Object down(Message msg) {
                answers.add(result((AppendEntriesResponse) msg.getHeader(raft.getId())));
                return null;
            }
        });
        return answers;
    }

    private AppendResult append(Address leader, long prevIndex, long prevTerm, long term, long leaderCommit,
                                String... commands) {
        LogEntries entries = new LogEntries();
        for (String c : commands) {
            entries.add(new LogEntry(term, c.getBytes(StandardCharsets.UTF_8)));
        }
        return raft.impl().handleAppendEntriesRequest(entries, leader, prevIndex, prevTerm, term, leaderCommit);
    }

    private List<String> log() {
        List<String> out = new ArrayList<>();
        for (long i = 1; i <= raft.lastAppended(); i++) {
            LogEntry e = raft.log().get(i);
            if (e == null || e.command() == null) {
                out.add("none at " + i);
                continue;
            }
            out.add(e.term() + ":" + new String(e.command(), e.offset(), e.length(), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** the response's result (the header has no getter) */
    private static AppendResult result(AppendEntriesResponse response) {
        try {
            java.lang.reflect.Field f = AppendEntriesResponse.class.getDeclaredField("result");
            f.setAccessible(true);
            return (AppendResult) f.get(response);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static AppendResult.Result result(AppendResult r) {
        return r.success() ? AppendResult.Result.OK
                : r.nonMatchingTerm() > 0 ? AppendResult.Result.FAIL_CONFLICTING_PREV_TERM
                : AppendResult.Result.FAIL_ENTRY_NOT_FOUND;
    }

    private RAFT follower(RAFT r) throws Exception {
        InMemoryLog log = new InMemoryLog();
        log.init("checked-follower-test-" + java.util.UUID.randomUUID(), Map.of()); // InMemoryLog keeps logs by name
        r.raftId("me").members(List.of("me", "b", "c")).log(log);
        r.stateMachine(new StateMachine() {
            @Override
            public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
                applied.add(new String(data, offset, length, StandardCharsets.UTF_8));
                return null;
            }

            @Override
            public void readContentFrom(DataInput in) {
            }

            @Override
            public void writeContentTo(DataOutput out) {
            }
        });
        return r;
    }
}
