package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.MembershipChange;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.jgroups.Address;
import org.jgroups.protocols.DELAY;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.DUPL;
import org.junit.Test;

/**
 * Seeded chaos over five in-JVM nodes: continuous writes from every node and a
 * switcher that moves every group down and up all the time, while random steps
 * hot-swap infrastructure (and take a level away), adjust, crash and restart
 * nodes (the coordinator, which is the sequencer, included), split the cluster
 * into a majority and a minority, or bridge two pairs through one node, and heal
 * it, and turn on message loss, delay, duplication and reordering in the live
 * stack. Each step is followed by a settled spell of
 * 0.5-1.5 s. CI runs 6 steps of seed 20261126; a longer
 * run: {@code mvn -pl bundles/api,bundles/core test -Dtest=ChaosTest
 * -Dchaos.steps=200 -Dchaos.seed=random}; re-run one with {@code -Dchaos.seed=S}.
 *
 * <p>Loss is counted between two deliveries of one sender only when both
 * were sent, and delivered, while the cluster was settled (no crash, restart,
 * partition or heal between them, and the receiver's view unchanged): JGroups
 * without FLUSH does not deliver what a side sent while cut off, and Cutover
 * drops a sender's stragglers rather than deliver them out of order.
 * Duplicates and reordering are never excused.
 */
public class ChaosTest {

    private static final int NODES = 5;
    private static final String GROUP = "chaos";
    private static final Duration CONVERGE = Duration.ofSeconds(3 + 5 + 4); // MERGE3 max + 5 s + failure detection

    private final AtomicInteger disruption = new AtomicInteger();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong reordered = new AtomicLong();
    private final AtomicLong twoLevels = new AtomicLong();
    private final Map<Long, Integer> levelAtEpoch = new ConcurrentHashMap<>();

    /** a member's receiving side: checks every sender's numbering */
    private final class Checker implements GroupListener {
        private final Map<String, long[]> last = new HashMap<>(); // sender -> {counter, stamp, receiver's view id}
        TestNode receiver;
        private final Set<String> seenAll = new HashSet<>();
        String self = "?";

        @Override
        public synchronized void onMessage(Delivery d) {
            String[] parts = new String(d.payload(), StandardCharsets.UTF_8).split(":");
            long counter = Long.parseLong(parts[1]);
            long stamp = Long.parseLong(parts[2]);
            long view = receiver.channel().getView().getViewId().getId();
            long[] prev = last.get(parts[0]);
            boolean seenBefore = !seenAll.add(parts[0] + ":" + counter);
            if (prev != null) {
                if (counter == prev[0]) {
                    duplicated.incrementAndGet();
                } else if (counter < prev[0]) {
                    if (reordered.incrementAndGet() < 6) {
                        System.out.println("REORDER at " + self + " " + d.sequence() + " sender " + parts[0] + " " + counter + "/" + stamp
                                + " after " + prev[0] + "/" + prev[1] + " level " + d.level() + " seen before " + seenBefore);
                    }
                } else if (counter > prev[0] + 1 && stamp == prev[1] && view == prev[2]) {
                    if (lost.addAndGet(counter - prev[0] - 1) < 200) {
                        System.out.println("LOST at " + self + " sender " + parts[0] + " " + (prev[0] + 1) + ".."
                                + (counter - 1) + " stamp " + stamp + " view " + view + " seq " + d.sequence());
                    }
                }
            }
            if (prev == null || counter > prev[0]) {
                last.put(parts[0], new long[] {counter, stamp, view});
            }
        }

        @Override
        public void onMembershipChange(MembershipChange c) {
            if (c.reason() == MembershipChange.Reason.ADJUST_VERSION) {
                Integer before = levelAtEpoch.putIfAbsent(c.epoch(), c.toLevel());
                if (before != null && before != c.toLevel()) {
                    twoLevels.incrementAndGet();
                }
            }
        }
    }

    /** one node's writer: sends numbered writes while it is a member, rejoins when it is not */
    private final class Writer implements Runnable {
        final TestNode node;
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        private Group member;
        private long counter;

        Writer(TestNode node) {
            this.node = node;
            this.thread = new Thread(this, "chaos-writer-" + node.name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (running.get()) {
                try {
                    if (member == null || !node.node.group(GROUP).map(g -> g.members().contains(member.self()))
                            .orElse(false)) {
                        leaveQuietly();
                        Checker checker = new Checker();
                        checker.self = node.name;
                        checker.receiver = node;
                        member = node.node.join(GROUP, checker);
                        counter = 0;
                    }
                    member.send((member.self().id() + ":" + (++counter) + ":" + disruption.get())
                            .getBytes(StandardCharsets.UTF_8));
                    writes.incrementAndGet();
                    Thread.sleep(4);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // an application gives its member up properly before it joins again (a member dropped without
                    // a leave stays in the group as long as its node names it in its hellos)
                    leaveQuietly();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        private void leaveQuietly() {
            Group m = member;
            member = null;
            if (m != null) {
                try {
                    m.leave();
                } catch (RuntimeException ignored) {
                    // already gone, or the node is closing
                }
            }
        }
    }

    /**
     * Switches every group down and up, all the time, from a random live node: the writes cross hundreds of switch
     * boundaries. A switch asked from a node whose view holds no majority of the defined nodes must be refused.
     */
    private final class Switcher implements Runnable {
        final Map<Integer, TestNode> live;
        final Random random;
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread = new Thread(this, "chaos-switcher");
        final AtomicInteger applied = new AtomicInteger();
        final AtomicInteger minorityApplied = new AtomicInteger();
        final AtomicLong slowest = new AtomicLong();
        final Map<String, Integer> refused = new java.util.TreeMap<>();

        Switcher(Map<Integer, TestNode> live, long seed) {
            this.live = live;
            this.random = new Random(seed);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (running.get()) {
                try {
                    List<TestNode> up = new ArrayList<>(live.values());
                    TestNode n = up.get(random.nextInt(up.size()));
                    int now = n.node.group(GROUP).map(GroupInfo::level).orElse(1);
                    boolean minority = n.channel().getView().size() * 2 <= NODES;
                    long t0 = System.nanoTime();
                    AdjustResult r = n.versions.adjust(VersionRequest.allGroups(java.util.OptionalInt.of(
                            now == 2 ? 1 : 2)).withDowngrade());
                    slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                    minority &= n.channel().getView().size() * 2 <= NODES;
                    if (r.applied()) {
                        applied.incrementAndGet();
                        if (minority) {
                            minorityApplied.incrementAndGet();
                        }
                    } else {
                        synchronized (refused) {
                            r.check().failures().stream().map(f -> f.code().name()).distinct()
                                    .forEach(c -> refused.merge(c, 1, Integer::sum));
                            if (r.check().failures().isEmpty()) {
                                refused.merge("RACED", 1, Integer::sum);
                            }
                        }
                    }
                    Thread.sleep(5 + random.nextInt(20));
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a node closed under it (crash step): try another
                }
            }
        }
    }

    @Test
    public void invariantsHoldUnderRandomFaults() throws Exception {
        // CI runs a short budget with a fixed seed; -Dchaos.seed=random draws one (printed for a re-run)
        String seedProperty = System.getProperty("chaos.seed", "20261126");
        long seed = "random".equals(seedProperty) ? System.nanoTime() : Long.parseLong(seedProperty);
        int steps = Integer.getInteger("chaos.steps", 6);
        System.out.println("chaos seed " + seed + ", " + steps + " steps (reproduce: -Dchaos.seed=" + seed + ")");
        Random random = new Random(seed);
        int switches = 0;
        int kills = 0;
        int partitions = 0;
        int bridges = 0;
        int minorityRefused = 0;
        int divergent = 0;
        String faults = "<DISCARD/><DELAY in_delay=\"0\" out_delay=\"0\"/><DUPL incoming_copies=\"0\" outgoing_copies=\"0\"/>"
                + "<SHUFFLE up=\"false\" down=\"false\" max_size=\"10\" max_time=\"50\"/>";
        try (TestCluster cluster = new TestCluster("chaos", NODES, faults)) {
            Map<Integer, TestNode> live = new ConcurrentHashMap<>();
            Map<Integer, Writer> writers = new HashMap<>();
            for (int i = 0; i < NODES; i++) {
                live.put(i, cluster.start(i, 1));
            }
            cluster.awaitActive(NODES);
            for (Map.Entry<Integer, TestNode> e : live.entrySet()) {
                startWriter(writers, e.getKey(), e.getValue());
            }
            awaitMembers(live, NODES);
            Switcher switcher = new Switcher(live, seed + 1);
            switcher.thread.start();
            Set<Integer> crashed = new HashSet<>();
            long lostBefore = 0;
            String lastSwitched = "";
            long slowestConvergence = 0;
            for (int step = 1; step <= steps; step++) {
                // the first step is the rolling hot install, so that the switcher has two levels to move between
                int action = step == 1 ? 0 : random.nextInt(6);
                List<Integer> up = new ArrayList<>(live.keySet());
                String what;
                if (action == 0) {
                    List<TestNode> lacking = up.stream().map(live::get).filter(m -> m.infra.protocol(2).isEmpty())
                            .toList();
                    if (lacking.isEmpty()) {
                        // an operator uninstalls infra 2.0.0 on a node by mistake, and installs it again
                        TestNode n = live.get(up.get(random.nextInt(up.size())));
                        n.infra.remove(n.infra.protocol(2).orElseThrow());
                        Thread.sleep(200 + random.nextInt(800));
                        n.infra.add(new TestInfra(2));
                        what = "level 2 removed from " + n.name + " and installed again";
                    } else {
                        // the rolling hot install: every node that lacks level 2 gets it, one after the other
                        for (TestNode m : lacking) {
                            m.infra.add(new TestInfra(2));
                        }
                        what = "hot install of level 2 on " + lacking.stream().map(m -> m.name).toList();
                    }
                } else if (action == 1 || action == 2) {
                    TestNode n = live.get(up.get(random.nextInt(up.size())));
                    int target = 1 + random.nextInt(2);
                    AdjustResult r = n.versions.adjust(VersionRequest.allGroups(java.util.OptionalInt.of(target))
                            .withDowngrade());
                    if (r.applied()) {
                        switches++;
                    }
                    what = "adjust to " + target + " from " + n.name + ": " + (r.applied() ? "applied"
                            : r.check().failures().stream().map(f -> f.code().name()).distinct().toList());
                } else if (action == 3 && crashed.isEmpty() && up.size() == NODES) {
                    int victim = up.get(random.nextInt(up.size()));
                    disruption.incrementAndGet();
                    writers.remove(victim).running.set(false);
                    live.remove(victim).crash();
                    crashed.add(victim);
                    disruption.incrementAndGet();
                    kills++;
                    what = "crash of node" + (victim + 1);
                } else if (action == 4 && crashed.isEmpty() && random.nextInt(3) == 0) {
                    // a bridge: two pairs that cannot reach each other, and one node that reaches both
                    List<Integer> order = new ArrayList<>(up);
                    java.util.Collections.shuffle(order, random);
                    disruption.incrementAndGet();
                    split(live, order.subList(0, 2), order.subList(3, 5));
                    partitions++;
                    bridges++;
                    Thread.sleep(1000 + random.nextInt(2000));
                    disruption.incrementAndGet();
                    heal(live);
                    what = "bridge " + live.get(order.get(2)).name + " between " + order.subList(0, 2).stream()
                            .map(i -> live.get(i).name).toList() + " and " + order.subList(3, 5).stream()
                            .map(i -> live.get(i).name).toList() + ", healed";
                } else if (action == 4 && crashed.isEmpty()) {
                    List<Integer> order = new ArrayList<>(up);
                    java.util.Collections.shuffle(order, random);
                    List<Integer> minority = order.subList(0, 2);
                    List<Integer> majority = order.subList(2, order.size());
                    disruption.incrementAndGet();
                    split(live, minority, majority);
                    partitions++;
                    TestNode asker = live.get(minority.get(0));
                    awaitViewSize(asker, minority.size());
                    AdjustResult r = asker.versions.adjust(VersionRequest.allGroups(java.util.OptionalInt.empty())
                            .withDowngrade());
                    if (!r.applied() && r.check().failures().stream()
                            .anyMatch(f -> f.code() == ReasonCode.GROUP_PARTITIONED)) {
                        minorityRefused++;
                    } else {
                        throw new AssertionError("seed " + seed + ": a minority completed an adjust: " + r);
                    }
                    Thread.sleep(300 + random.nextInt(700));
                    disruption.incrementAndGet();
                    heal(live);
                    what = "partition " + minority.stream().map(i -> live.get(i).name).toList() + " (coordinator " + live.get(majority.get(0)).channel().getView().getCoord() + ") " + " | " + majority + ", healed";
                } else if (!crashed.isEmpty()) {
                    int back = crashed.iterator().next();
                    crashed.remove(back);
                    disruption.incrementAndGet();
                    TestNode n = cluster.start(back, 1, 2);
                    live.put(back, n);
                    startWriter(writers, back, n);
                    what = "restart of node" + (back + 1);
                } else {
                    TestNode n = live.get(up.get(random.nextInt(up.size())));
                    double rate = 0.01 + random.nextDouble() * 0.19;
                    boolean shuffle = random.nextBoolean();
                    setFaults(n, rate, random.nextInt(6), random.nextBoolean() ? 1 : 0, shuffle);
                    Thread.sleep(500);
                    setFaults(n, 0, 0, 0, false);
                    what = "faults on " + n.name + ": discard " + Math.round(rate * 100) + " %, delay, dupl"
                            + (shuffle ? ", shuffle" : "");
                }
                long settleStart = System.nanoTime();
                boolean converged = crashed.isEmpty() ? awaitConvergence(live) : true;
                slowestConvergence = Math.max(slowestConvergence, (System.nanoTime() - settleStart) / 1_000_000);
                // what was sent before the cluster settled again may have been dropped as a straggler; from here on
                // nothing may be lost
                disruption.incrementAndGet();
                // a settled spell: writes and switches go on with nothing injected, and nothing may be lost
                Thread.sleep(500 + random.nextInt(1000));
                if (!converged) {
                    divergent++;
                }
                long lostNow = lost.get();
                String switched;
                synchronized (switcher.refused) {
                    switched = " [switches " + switcher.applied + ", refused " + switcher.refused + "]";
                }
                if (switched.equals(lastSwitched)) {
                    switched += " switcher stuck in " + java.util.Arrays.stream(switcher.thread.getStackTrace())
                            .limit(12).map(Object::toString).toList();
                }
                lastSwitched = switched;
                if (!converged && System.getProperty("chaos.dump") != null) {
                    Thread.getAllStackTraces().forEach((t, st) -> {
                        String trace = java.util.Arrays.stream(st).limit(14).map(Object::toString).toList().toString();
                        if (trace.contains("org.cutover") && t.getState() != Thread.State.RUNNABLE
                                && !trace.contains("TIMED_WAITING") && !t.getName().startsWith("chaos-writer")) {
                            System.out.println("DUMP " + t.getName() + " " + t.getState() + " " + trace);
                        }
                    });
                }
                System.out.println("step " + step + ": " + what + switched + (lostNow > lostBefore ? " — lost "
                        + (lostNow - lostBefore) : "") + (converged ? "" : " — DIVERGENT " + states(live)));
                lostBefore = lostNow;
            }
            for (int back : crashed) {
                live.put(back, cluster.start(back, 1, 2));
            }
            switcher.running.set(false);
            switcher.thread.join(30_000);
            switches += switcher.applied.get();
            Thread.sleep(300);
            writers.values().forEach(w -> w.running.set(false));
            for (Writer w : writers.values()) {
                w.thread.join(5000);
            }
            if (!awaitConvergence(live)) {
                divergent++;
            }
            String report = "chaos: steps " + steps + ", switches " + switches + ", kills " + kills + ", partitions "
                    + partitions + " (bridges " + bridges + "), minority adjusts refused " + minorityRefused
                    + ", writes " + writes + ", lost "
                    + lost + ", duplicated " + duplicated + ", reordered " + reordered + ", divergent " + divergent
                    + ", two levels at one epoch " + twoLevels + ", minority switches applied "
                    + switcher.minorityApplied + ", slowest adjust " + switcher.slowest + " ms, slowest convergence "
                    + slowestConvergence + " ms (seed " + seed + "; switcher refusals " + switcher.refused + ")";
            System.out.println(report);
            assertEquals(report, 0, lost.get() + duplicated.get() + reordered.get() + divergent + twoLevels.get()
                    + switcher.minorityApplied.get());
            assertTrue(report, switches >= steps);
        }
    }

    private void startWriter(Map<Integer, Writer> writers, int index, TestNode node) {
        Writer w = new Writer(node);
        writers.put(index, w);
        w.thread.start();
    }

    private static void split(Map<Integer, TestNode> live, List<Integer> a, List<Integer> b) {
        for (int i : a) {
            for (int j : b) {
                discard(live.get(i)).addIgnoreMember(live.get(j).channel().getAddress());
                discard(live.get(j)).addIgnoreMember(live.get(i).channel().getAddress());
            }
        }
    }

    private static void heal(Map<Integer, TestNode> live) {
        live.values().forEach(n -> discard(n).resetIgnoredMembers());
    }

    private static DISCARD discard(TestNode n) {
        return n.channel().getProtocolStack().findProtocol(DISCARD.class);
    }

    private static void setFaults(TestNode n, double discardRate, int delayMs, int copies, boolean shuffle) {
        discard(n).setUpDiscardRate(discardRate);
        DELAY delay = n.channel().getProtocolStack().findProtocol(DELAY.class);
        delay.setInDelay(delayMs);
        delay.setOutDelay(delayMs);
        DUPL dupl = n.channel().getProtocolStack().findProtocol(DUPL.class);
        dupl.setIncomingCopies(copies);
        n.channel().getProtocolStack().<org.jgroups.protocols.SHUFFLE>findProtocol(org.jgroups.protocols.SHUFFLE.class)
                .setUp(shuffle);
    }

    /** every live node's writer is a member of the group, as every node sees it */
    private static void awaitMembers(Map<Integer, TestNode> live, int count) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = states(live);
            if (live.values().stream().allMatch(n -> n.node.group(GROUP).map(g -> g.members().size() == count)
                    .orElse(false))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("writers did not all join within " + CONVERGE + ": " + last);
    }

    private static void awaitViewSize(TestNode n, int size) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (n.channel().getView().size() != size && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** every live node in one view, with the same level, epoch and members for the group */
    private static boolean awaitConvergence(Map<Integer, TestNode> live) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (System.nanoTime() < deadline) {
            Set<Object> states = new HashSet<>();
            boolean views = true;
            for (TestNode n : live.values()) {
                views &= n.channel().getView().size() == live.size();
                GroupInfo g = n.node.group(GROUP).orElse(null);
                states.add(g == null ? "none" : List.of(g.level(), g.epoch(), new HashSet<>(g.members())));
            }
            if (views && states.size() == 1) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static String states(Map<Integer, TestNode> live) {
        StringBuilder b = new StringBuilder();
        live.values().forEach(n -> b.append(n.name).append(' ').append(n.channel().getView()).append(" fwd ")
                .append(((org.jgroups.protocols.SEQUENCER) n.channel().getProtocolStack()
                        .findProtocol(org.jgroups.protocols.SEQUENCER.class)).getForwardTableSize()).append(' ')
                .append(n.node.group(GROUP).map(Objects::toString).orElse("-")).append("; "));
        return b.toString();
    }
}
