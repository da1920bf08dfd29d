package org.cutover.jgroups.raft;

import static org.cutover.jgroups.raft.LoopbackRafts.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.protocols.raft.AppendEntriesRequest;
import org.jgroups.protocols.raft.AppendEntriesResponse;
import org.jgroups.protocols.raft.AppendResult;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.junit.After;
import org.junit.Test;

/**
 * A node with a valid certificate answering the leader's appends with indexes below what it acknowledged: RAFT's
 * leader takes an answer's index as stated (next index = index + 1), and each such answer earned a resend of the
 * whole range from there, up to {@code max_resend_bytes}. Three channels over shared loopback; node c's forged
 * answers go out below its RAFT, as a compromised process would write them to the wire; a counter below c's RAFT
 * sees what the leader sends it.
 */
public class ForgedAnswersTest {

    private static final int ENTRIES = 200;
    private static final int ENTRY_BYTES = 1024;
    private static final int FORGED = 200;

    private LoopbackRafts rafts;

    @After
    public void close() {
        if (rafts != null) {
            rafts.close();
        }
    }

    @Test
    public void answersBelowWhatTheFollowerAcknowledgedEarnNoResend() throws Exception {
        rafts = new LoopbackRafts("forged-answers", CheckedRAFT::new, Count::new);
        byte[] entry = new byte[ENTRY_BYTES];
        for (int i = 0; i < ENTRIES; i++) {
            rafts.raft(0).setAsync(entry, 0, entry.length);
        }
        await(ENTRIES + " entries applied everywhere", () -> rafts.appliedEverywhere(ENTRIES));
        Thread.sleep(200); // the commit notices of the last entries
        Count count = rafts.channel(2).getProtocolStack().findProtocol(Count.class);
        count.raftId = rafts.raft(2).getId();
        count.bytes.set(0);

        long last = rafts.raft(2).lastAppended();
        for (int i = 0; i < FORGED; i++) {
            // "appended up to 0", then "up to the end" again: each a change to the leader's table
            answer(i % 2 == 0 ? 0 : last, last);
            Thread.sleep(2); // the leader's idle resend runs every millisecond
        }
        Thread.sleep(200);
        long received = count.bytes.get();
        assertTrue("the leader resent " + received + " bytes of entries to c for " + FORGED + " forged answers"
                + " (c holds all " + ENTRIES + " entries of " + ENTRY_BYTES + " bytes)", received < 4 * ENTRY_BYTES);
        assertTrue("the leader counted the refused answers", ((CheckedRAFT) rafts.raft(0)).answersSteppedBack() > 0);

        rafts.raft(0).setAsync(entry, 0, entry.length);
        await("an entry after the forged answers applied everywhere",
                () -> rafts.appliedEverywhere(ENTRIES + 1));
        assertEquals("c's table entry at the leader", last + 1,
                rafts.raft(0).commitTable().get(rafts.channel(2).getAddress()).matchIndex());
    }

    /** node c answers the leader that it appended up to {@code index}, committed up to {@code commit} */
    private void answer(long index, long commit) {
        RAFT c = rafts.raft(2);
        Message m = new ObjectMessage(rafts.channel(0).getAddress(), null).putHeader(c.getId(),
                new AppendEntriesResponse(1, new AppendResult(AppendResult.Result.OK, index).commitIndex(commit)));
        c.getDownProtocol().down(m);
    }

    /** bytes of the leader's append requests that reach this node */
    static final class Count extends Protocol {
        final AtomicLong bytes = new AtomicLong();
        volatile short raftId = -1;

        @Override
        public Object up(Message msg) {
            if (raftId >= 0 && msg.getHeader(raftId) instanceof AppendEntriesRequest) {
                bytes.addAndGet(msg.getLength());
            }
            return up_prot.up(msg);
        }

        @Override
        public void up(MessageBatch batch) {
            if (raftId >= 0) {
                for (Message m : batch) {
                    if (m.getHeader(raftId) instanceof AppendEntriesRequest) {
                        bytes.addAndGet(m.getLength());
                    }
                }
            }
            up_prot.up(batch);
        }
    }
}
