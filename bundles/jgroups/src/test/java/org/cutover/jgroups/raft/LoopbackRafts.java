package org.cutover.jgroups.raft;

import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.stack.Protocol;

/**
 * Three RAFT members a, b and c over shared loopback, each with an in-memory log, a recording state machine and
 * RAFT's idle resend every millisecond, as the shipped stack has it; a leads in term 1.
 */
final class LoopbackRafts implements AutoCloseable {

    static final long WAIT_MS = 10_000;

    private final String prefix;
    private final List<JChannel> channels = new ArrayList<>();
    private final List<RecordingStateMachine> machines = new ArrayList<>();

    /**
     * @param rafts    makes each member's RAFT (a CheckedRAFT or a subclass)
     * @param belowRaft makes a protocol for just below each member's RAFT, or null for none
     */
    LoopbackRafts(String name, java.util.function.Supplier<CheckedRAFT> rafts,
                  java.util.function.Supplier<Protocol> belowRaft) throws Exception {
        this.prefix = name + "-" + UUID.randomUUID();
        try {
            start(rafts, belowRaft);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void start(java.util.function.Supplier<CheckedRAFT> rafts, java.util.function.Supplier<Protocol> belowRaft)
            throws Exception {
        for (String id : List.of("a", "b", "c")) {
            RecordingStateMachine machine = new RecordingStateMachine();
            CheckedRAFT raft = rafts.get();
            raft.raftId(id).members(List.of("a", "b", "c")).logClass(InMemoryLog.class.getName())
                    .logPrefix(prefix + "-" + id).stateMachine(machine).resendInterval(1);
            List<Protocol> stack = new ArrayList<>(List.of(new SHARED_LOOPBACK(), new SHARED_LOOPBACK_PING(),
                    new NAKACK2(), new UNICAST3(), new STABLE(), new GMS().setJoinTimeout(1000)));
            if (belowRaft != null) {
                stack.add(belowRaft.get());
            }
            stack.add(raft);
            JChannel ch = new JChannel(stack).name(id);
            channels.add(ch);
            machines.add(machine);
            ch.connect(prefix);
        }
        await("a view of three", () -> channels.stream().allMatch(c -> c.getView().size() == 3));
        Address leader = channels.get(0).getAddress();
        for (int i = 0; i < 3; i++) {
            raft(i).setLeaderAndTerm(leader, 1);
        }
    }

    JChannel channel(int i) {
        return channels.get(i);
    }

    RAFT raft(int i) {
        return channels.get(i).getProtocolStack().findProtocol(RAFT.class);
    }

    RecordingStateMachine machine(int i) {
        return machines.get(i);
    }

    /** whether every member applied {@code entries} entries */
    boolean appliedEverywhere(int entries) {
        return machines.stream().allMatch(m -> m.seen().size() == entries);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        channels.forEach(JChannel::close);
    }
}
