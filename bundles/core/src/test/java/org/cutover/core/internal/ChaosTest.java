package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.DeliveryLog;
import org.cutover.core.internal.testing.OrderInvariant;
import org.cutover.core.internal.testing.OrderInvariant.Kind;
import org.cutover.core.internal.testing.OrderInvariant.MemberLog;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * Seeded chaos over five in-JVM nodes on the cluster log: one writer per node
 * writes a small key space into one group, and a switcher adjusts the group
 * between levels 1 and 2 all the time from random nodes, while each step puts
 * one fault in from below the code: the log's leader crashed mid-burst and
 * restarted, one node deaf for a while (DISCARD up), a 2|3 split, a bridge (two
 * pairs that reach each other only through one node). Every step ends healed.
 *
 * <p>Every member records its whole delivery log ({@link DeliveryLog}). At the
 * end, once every live member has delivered everything, {@link OrderInvariant}
 * checks that all logs are stretches of one common sequence, entry by entry;
 * nothing is excused near a disruption. Beside it the test counts minority
 * commits (a send or adjust that succeeded on the minority side of a split
 * while the split lasted), stalled sends (neither returned nor failed within
 * the operation time-out + 2 s) and lost acknowledged writes (a send that
 * returned, missing from a live member that was in the group before the send
 * and still is). Any of these, or an order mismatch, fails the test.
 *
 * <p>CI runs {@value #CI_STEPS} steps of seed {@value #CI_SEED} (about 2 minutes). A long run:
 * {@code mvn -B test -o -pl bundles/api,bundles/core -Dtest=ChaosTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dchaos.steps=400 -Dchaos.seed=random}; re-run one with {@code -Dchaos.seed=S} (printed first), and pick
 * the kinds of fault with {@code -Dchaos.faults=kill,deaf,split,bridge,quiet} (the default: all).
 * {@code -Dcluster.vote.timeout=50} makes vote rounds time out often (the shipped 600 ms seldom does in one
 * JVM), so that late answers to one round arrive during the next ({@link TestCluster}).
 *
 * <p>Known failure (the kernel, not the test): a node that falls behind the log while the others go on
 * writing (a crashed leader restarted, a node deaf or split off long enough to leave the view) may never
 * catch up: jgroups-raft 1.1.4's leader resends missing entries only when its queue has been idle for
 * resend_interval, and it treats a member that (re)enters its view as caught up. The restart then fails
 * with the node's log index far below the others' ({@link TestCluster#raftStates()}).
 */
public class ChaosTest {

    static final long CI_SEED = 20261130L;
    static final int CI_STEPS = 10;
    /** the kinds of step; -Dchaos.faults=split,deaf (say) runs only those, the others' turns stay quiet */
    static final List<String> FAULTS = List.of("kill", "deaf", "split", "bridge", "quiet");
    private static final int NODES = 5;
    /**
     * Every node cuts its log above this (-Dchaos.compact.kb): a node that comes back from a crash or a long
     * deafness then finds the leader's log cut after it, and catches up from a snapshot, not from entries.
     */
    private static final long COMPACT_KB = 256;
    /** a restarted node starts from a checkpoint of its replica, most often between two cuts of its log */
    private static final int CHECKPOINT_ENTRIES = 300;
    private static final String GROUP = "chaos";
    /** the writers all write these keys: conflicting writes must still be seen in one order everywhere */
    private static final int KEYS = 4;
    /** TestCluster's operation time-out; a send must have returned or failed by then + 2 s */
    private static final Duration STALL = Duration.ofSeconds(10 + 2);

    /** every counter of the report line */
    static final class Counters {
        final AtomicLong switches = new AtomicLong();
        final Map<String, Long> refusals = new TreeMap<>();
        final AtomicLong kills = new AtomicLong();
        final AtomicLong partitions = new AtomicLong();
        final AtomicLong bridges = new AtomicLong();
        final AtomicLong deafSpells = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong minorityCommits = new AtomicLong();
        final AtomicLong stalledSends = new AtomicLong();
        final AtomicLong unexpected = new AtomicLong();
        /** nanoTime of the last acknowledged write, and the longest spell without one (a stalled log) */
        volatile long lastAck = System.nanoTime();
        /** only while the steps run: the writers pause on purpose at the end */
        volatile boolean measuring = true;
        final AtomicLong longestPauseMillis = new AtomicLong();

        void acknowledged() {
            long now = System.nanoTime();
            if (measuring) {
                longestPauseMillis.accumulateAndGet((now - lastAck) / 1_000_000, Math::max);
            }
            lastAck = now;
            acknowledged.incrementAndGet();
        }
        private final Set<String> reportedUnexpected = ConcurrentHashMap.newKeySet();

        void refused(String what) {
            synchronized (refusals) {
                refusals.merge(what, 1L, Long::sum);
            }
        }

        /** anything but a GroupException from the kernel: counted and printed once per kind, never swallowed */
        void unexpected(String where, RuntimeException e) {
            unexpected.incrementAndGet();
            if (reportedUnexpected.add(where + " " + e.getClass().getName())) {
                System.out.println("UNEXPECTED in " + where + ": " + e);
                e.printStackTrace(System.out);
            }
        }

        String refusals() {
            synchronized (refusals) {
                return refusals.toString();
            }
        }
    }

    /** the split in place, if any: which nodes are the minority and since when (nanoTime) */
    record Split(Set<String> minority, long since) {
    }

    /** a send that returned: by whom, what, and when it started */
    record Ack(String member, String text, long started) {
        String what() {
            return member + ":" + text;
        }
    }

    /** one member's log and when its join returned; current until it leaves or its node goes */
    static final class Membership {
        final String node;
        final Group group;
        final DeliveryLog log;
        final long joined;
        volatile boolean gone;

        Membership(String node, Group group, DeliveryLog log, long joined) {
            this.node = node;
            this.group = group;
            this.log = log;
            this.joined = joined;
        }

        void retire() {
            gone = true;
            log.left();
        }
    }

    private final Counters counters = new Counters();
    private volatile Split split;
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final List<Membership> memberships = new CopyOnWriteArrayList<>();
    private final List<Writer> writers = new CopyOnWriteArrayList<>();

    /** whether an operation on this node that started at {@code started} and succeeded now ran inside a split */
    /** the cluster of the run, for the reports of its writers */
    private volatile TestCluster current;

    /** what each node's DISCARD drops now: the split as the network sees it */
    private String discards() {
        StringBuilder b = new StringBuilder();
        for (TestNode n : current.running()) {
            b.append(n.name).append(' ').append(n.channel().getAddress()).append(" ignores ")
                    .append(n.discard().getIgnoredMembers()).append(" all=").append(n.discard().discardAll())
                    .append(" up=").append(n.discard().getUpDiscardRate()).append("; ");
        }
        return b.toString();
    }

    private boolean onMinorityThroughout(String node, long started) {
        Split s = split;
        return s != null && s.minority().contains(node) && started > s.since();
    }

    /** one node's writer: joins the group, writes random keys, rejoins when the cluster dropped its member */
    final class Writer implements Runnable {
        final TestNode node;
        final Thread thread;
        final Random random;
        volatile boolean running = true;
        /** nanoTime at which the send in progress started, 0 when none is */
        volatile long sendStarted;
        private volatile boolean stallCounted;
        volatile Membership member;
        private volatile long counter;

        Writer(TestNode node, long seed) {
            this.node = node;
            this.random = new Random(seed);
            this.thread = new Thread(this, "chaos-writer-" + node.name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                try {
                    if (member == null || !stillMember()) {
                        rejoin();
                    }
                    send(node.name + "#" + (++counter) + " k" + random.nextInt(KEYS) + "=" + random.nextInt(1000));
                    Thread.sleep(2 + random.nextInt(5));
                } catch (GroupException e) {
                    counters.refused((member == null ? "join " : "send ") + e.code());
                    pause(50);
                } catch (RuntimeException e) {
                    counters.unexpected("writer " + node.name, e);
                    pause(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        boolean stillMember() {
            Membership m = member;
            return m != null && node.node.group(GROUP)
                    .map(g -> g.members().contains(m.group.self())).orElse(false);
        }

        /** the cluster dropped the member (its node was cut off): an application leaves and joins again */
        void rejoin() {
            retire();
            DeliveryLog log = new DeliveryLog(null, DeliveryLog::payloadText);
            Group g = node.node.join(GROUP, log);
            log.member(g.self().id());
            member = new Membership(node.name, g, log, System.nanoTime());
            memberships.add(member);
        }

        void retire() {
            Membership m = member;
            member = null;
            if (m == null) {
                return;
            }
            m.retire();
            try {
                m.group.leave();
            } catch (GroupException e) {
                counters.refused("leave " + e.code()); // already dropped, or its node is gone
            }
        }

        /** @throws GroupException if the kernel refused or failed it */
        void send(String text) {
            Group g = member.group;
            long started = System.nanoTime();
            sendStarted = started;
            stallCounted = false;
            try {
                g.send(text.getBytes(StandardCharsets.UTF_8));
            } finally {
                sendStarted = 0;
            }
            acks.add(new Ack(g.self().id(), text, started));
            counters.acknowledged();
            if (onMinorityThroughout(node.name, started)) {
                counters.minorityCommits.incrementAndGet();
                System.out.println("MINORITY COMMIT: " + text + " from " + node.name + " during " + split
                        + "\n  raft: " + current.raftStates() + "\n  discard: " + discards());
            }
        }

        /** called by the stall watch: counts a send that has neither returned nor failed for too long, once */
        void checkStall(long now) {
            long started = sendStarted;
            if (started != 0 && now - started > STALL.toNanos() && !stallCounted) {
                stallCounted = true;
                counters.stalledSends.incrementAndGet();
                System.out.println("STALLED send on " + node.name + " for " + (now - started) / 1_000_000 + " ms: "
                        + java.util.Arrays.stream(thread.getStackTrace()).limit(15).toList());
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(STALL.toMillis() + 2000);
            if (thread.isAlive()) { // its member and counter would be read while it still writes them
                throw new AssertionError(thread.getName() + " did not stop within " + (STALL.toMillis() + 2000)
                        + " ms: " + java.util.Arrays.toString(thread.getStackTrace()));
            }
        }

        private void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                running = false;
            }
        }
    }

    /** adjusts the group down and up, all the time, from a random live node; refusals are counted by code */
    final class Switcher implements Runnable {
        final TestCluster cluster;
        final Random random;
        final Thread thread = new Thread(this, "chaos-switcher");
        volatile boolean running = true;

        Switcher(TestCluster cluster, long seed) {
            this.cluster = cluster;
            this.random = new Random(seed);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                List<TestNode> up = cluster.running();
                if (up.isEmpty()) {
                    break; // the cluster is closing (a step failed)
                }
                TestNode n = up.get(random.nextInt(up.size()));
                try {
                    switchOnce(n);
                } catch (GroupException e) {
                    counters.refused("adjust " + e.code());
                } catch (RuntimeException e) {
                    counters.unexpected("switcher on " + n.name, e);
                }
                try {
                    Thread.sleep(5 + random.nextInt(20));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void switchOnce(TestNode n) {
            int now = n.node.group(GROUP).map(GroupInfo::level).orElse(1);
            long started = System.nanoTime();
            AdjustResult r = n.versions.adjust(VersionRequest.allGroups(OptionalInt.of(now == 2 ? 1 : 2))
                    .withDowngrade());
            if (r.applied()) {
                counters.switches.incrementAndGet();
                if (onMinorityThroughout(n.name, started)) {
                    counters.minorityCommits.incrementAndGet();
                    System.out.println("MINORITY COMMIT: an adjust from " + n.name + " during " + split + ": " + r);
                }
            } else if (r.check().failures().isEmpty()) {
                counters.refused("adjust NOT_APPLIED");
            } else {
                r.check().failures().stream().map(f -> f.code().name()).distinct()
                        .forEach(c -> counters.refused("adjust " + c));
            }
        }
    }

    @Test
    public void theLogHoldsOneOrderUnderRandomFaults() throws Exception {
        String seedProperty = System.getProperty("chaos.seed", Long.toString(CI_SEED));
        long seed = "random".equals(seedProperty) ? System.nanoTime() : Long.parseLong(seedProperty);
        int steps = Integer.getInteger("chaos.steps", CI_STEPS);
        Set<String> faults = Set.of(System.getProperty("chaos.faults", String.join(",", FAULTS)).split(","));
        System.out.println("chaos seed " + seed + ", " + steps + " steps (reproduce: -Dchaos.seed=" + seed + ")");
        long t0 = System.nanoTime();
        Random random = new Random(seed);
        long compactKb = Long.getLong("chaos.compact.kb", COMPACT_KB);
        int checkpointEntries = Integer.getInteger("chaos.checkpoint.entries", CHECKPOINT_ENTRIES);
        try (TestCluster cluster = new TestCluster("chaos", NODES, "<DISCARD/>").compactLogAbove(compactKb * 1024)
                .checkpointEvery(checkpointEntries)) {
            current = cluster;
            cluster.startAll(NODES, 1, 2);
            for (TestNode n : cluster.running()) {
                startWriter(n, random.nextLong());
            }
            awaitWriters(cluster);
            Switcher switcher = new Switcher(cluster, random.nextLong());
            switcher.thread.start();
            Thread stallWatch = startStallWatch();
            for (int step = 1; step <= steps; step++) {
                String what;
                try {
                    what = step(cluster, random, faults);
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + ", step " + step + ": " + e.getMessage(), e);
                }
                System.out.println("step " + step + " (" + (System.nanoTime() - t0) / 1_000_000 / 1000.0 + " s): " + what + " [switches " + counters.switches + ", acked "
                        + counters.acknowledged + ", refusals " + counters.refusals() + "]");
            }
            counters.measuring = false;
            switcher.running = false;
            switcher.thread.join(30_000);
            cluster.heal();
            awaitLeaders(cluster);
            Thread.sleep(1000); // the writers rejoin where the cluster dropped their members
            for (Writer w : writers) {
                w.stop();
            }
            sendMarkers(cluster);
            awaitEverythingDelivered(cluster);
            cluster.awaitOneReplicatedState();
            stallWatch.interrupt();
            for (Writer w : writers) {
                w.checkStall(System.nanoTime());
            }
            finishAndCheck(seed, steps, t0);
        }
    }

    /** one fault, held for a while, then healed; returns what it did */
    private String step(TestCluster cluster, Random random, Set<String> faults) throws Exception {
        String what;
        String fault = FAULTS.get(random.nextInt(FAULTS.size()));
        System.out.println("  " + (faults.contains(fault) ? fault : "quiet") + " ...");
        switch (faults.contains(fault) ? fault : "quiet") {
            case "kill" -> what = killLeaderAndRestart(cluster, random);
            case "deaf" -> what = deafNode(cluster, random);
            case "split" -> what = splitTwoThree(cluster, random);
            case "bridge" -> what = bridge(cluster, random);
            default -> {
                Thread.sleep(500 + random.nextInt(1000));
                what = "quiet";
            }
        }
        cluster.heal();
        awaitLeaders(cluster);
        Thread.sleep(300 + random.nextInt(700)); // a settled spell, with writes and switches going on
        return what;
    }

    /** the leader crashes while every writer is mid-burst; the others go on; it comes back from its log */
    private String killLeaderAndRestart(TestCluster cluster, Random random) throws Exception {
        TestNode victim = cluster.leader().orElseGet(() -> pick(cluster, random));
        boolean wasLeader = victim.isLeader();
        writerOf(victim).running = false;
        victim.crash();
        counters.kills.incrementAndGet();
        memberships.stream().filter(m -> m.node.equals(victim.name)).forEach(Membership::retire);
        Thread.sleep(500 + random.nextInt(2000));
        int index = Integer.parseInt(victim.name.substring(4)) - 1;
        TestNode back = cluster.start(index, 1, 2);
        startWriter(back, random.nextLong());
        long checkpoint = (Long) back.raft().getValue("checkpointRestored");
        return "crash of " + (wasLeader ? "leader " : "") + victim.name + ", restarted"
                + (checkpoint > 0 ? " from its checkpoint at " + checkpoint : " from its log");
    }

    /** one node hears nothing (or most of nothing) for a while, but still sends */
    private String deafNode(TestCluster cluster, Random random) throws InterruptedException {
        TestNode n = pick(cluster, random);
        double rate = random.nextBoolean() ? 1.0 : 0.3 + random.nextDouble() * 0.6;
        n.discard().setUpDiscardRate(rate);
        counters.deafSpells.incrementAndGet();
        Thread.sleep(1000 + random.nextInt(3000));
        return n.name + (n.isLeader() ? " (leader)" : "") + " deaf at " + Math.round(rate * 100) + " %";
    }

    /** two nodes against three; sometimes the leader is among the two */
    private String splitTwoThree(TestCluster cluster, Random random) throws InterruptedException {
        List<TestNode> order = shuffled(cluster, random);
        List<TestNode> minority = order.subList(0, 2);
        List<TestNode> majority = order.subList(2, NODES);
        String leader = cluster.leader().map(n -> n.name).orElse("none");
        cluster.split(minority, majority);
        // from the moment every node drops the other side: a send started while the cut was still going in could
        // rightly commit through the majority (seed 20261201 counted two such sends as minority commits)
        split = new Split(minority.stream().map(n -> n.name).collect(Collectors.toSet()), System.nanoTime());
        counters.partitions.incrementAndGet();
        Thread.sleep(1500 + random.nextInt(4000));
        split = null; // before the heal: what succeeds from here on may have been committed by the healed majority
        return "split " + names(minority) + " | " + names(majority) + " (leader " + leader + ")";
    }

    /** two pairs that cannot reach each other, and one node that reaches both: every node sees a majority */
    private String bridge(TestCluster cluster, Random random) throws InterruptedException {
        List<TestNode> order = shuffled(cluster, random);
        cluster.split(order.subList(0, 2), order.subList(3, 5));
        counters.partitions.incrementAndGet();
        counters.bridges.incrementAndGet();
        Thread.sleep(1500 + random.nextInt(4000));
        return "bridge " + order.get(2).name + " between " + names(order.subList(0, 2)) + " and "
                + names(order.subList(3, 5));
    }

    private void startWriter(TestNode n, long seed) {
        Writer w = new Writer(n, seed);
        writers.add(w);
        w.thread.start();
    }

    private Writer writerOf(TestNode n) {
        return writers.stream().filter(w -> w.node == n).findFirst().orElseThrow();
    }

    private Thread startStallWatch() {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long now = System.nanoTime();
                writers.forEach(w -> w.checkStall(now));
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "chaos-stall-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void awaitWriters(TestCluster cluster) {
        Await.until("every writer a member", TestCluster.WAIT, () -> cluster.running().stream().allMatch(
                n -> n.node.group(GROUP).map(g -> g.members().size() == NODES).orElse(false)), () -> states(cluster));
    }

    private void awaitLeaders(TestCluster cluster) {
        Await.until("every node in the primary component", TestCluster.WAIT, () -> cluster.running().stream()
                .allMatch(n -> n.node.hasLeader() && n.node.isSynced()), () -> states(cluster) + "; "
                + cluster.raftStates() + " [" + counters.refusals() + ", acked " + counters.acknowledged + "]");
    }

    /**
     * Every live writer's member sends one last message: once every live member has delivered all of them, it has
     * delivered everything before them too (one log). A node that lagged may learn only now that the cluster
     * dropped its member, so the nodes first agree on the group; a writer whose member is not in it joins again.
     */
    private void sendMarkers(TestCluster cluster) {
        awaitLogsCaughtUp(cluster);
        awaitOneGroupState(cluster);
        List<String> members = finalMembers(cluster);
        // all rejoins first: a member that joins after a marker was sent rightly never sees that marker
        for (Writer w : live(cluster)) {
            if (w.member == null || !members.contains(w.member.group.self().id())) {
                retrying(cluster, w.node.name + " joining again", w::rejoin);
            }
        }
        for (Writer w : live(cluster)) {
            retrying(cluster, w.node.name + " sending its marker",
                    () -> w.send("marker of " + w.node.name + " #" + (++w.counter)));
        }
    }

    /** runs the action until the kernel no longer refuses it, for a bounded time */
    private void retrying(TestCluster cluster, String what, Runnable action) {
        AtomicReference<String> last = new AtomicReference<>("no attempt refused");
        AtomicInteger attempts = new AtomicInteger();
        Await.until(what, TestCluster.WAIT, () -> {
            attempts.incrementAndGet();
            try {
                action.run();
                return true;
            } catch (GroupException e) {
                counters.refused("at the end " + e.code());
                last.set(e.code() + ": " + e.getMessage());
                return false;
            }
        }, () -> attempts + " attempts, the last refusal " + last + "; " + states(cluster));
    }

    /**
     * Healed and quiet (writers and switcher stopped), every live node must apply the log up to the leader's
     * commit index: a node left behind here never catches up (the leader does not resend it what it missed).
     */
    private void awaitLogsCaughtUp(TestCluster cluster) {
        Await.until("every node's log caught up with the leader's", TestCluster.WAIT, () -> {
            long max = cluster.running().stream().mapToLong(TestNode::commitIndex).max().orElse(0);
            return cluster.running().stream().allMatch(n -> n.commitIndex() == max);
        }, cluster::raftStates);
    }

    /** every live node has the same level, epoch and members for the group */
    private void awaitOneGroupState(TestCluster cluster) {
        Await.until("every node with one state of the group", TestCluster.WAIT, () -> cluster.running().stream()
                .map(n -> n.node.group(GROUP).map(g -> List.of(g.level(), g.epoch(), g.members())).orElse(null))
                .distinct().count() == 1, () -> states(cluster) + "; " + cluster.raftStates());
    }

    private List<String> finalMembers(TestCluster cluster) {
        return cluster.running().get(0).node.group(GROUP).map(g -> g.members().stream().map(m -> m.id()).toList())
                .orElse(List.of());
    }

    private void awaitEverythingDelivered(TestCluster cluster) {
        Set<String> markers = acks.stream().filter(a -> a.text().startsWith("marker")).map(Ack::what)
                .collect(Collectors.toSet());
        for (Writer w : live(cluster)) {
            Membership m = w.member;
            Await.until(w.node.name + "'s member delivering every marker", TestCluster.WAIT,
                    () -> messagesOf(m).containsAll(markers), () -> "missing " + markers.stream()
                            .filter(x -> !messagesOf(m).contains(x)).toList() + "; " + states(cluster));
        }
        awaitOneGroupState(cluster);
        // whoever is not in the group now left it (or was dropped) at some point: its log may stop early
        List<String> members = finalMembers(cluster);
        memberships.stream().filter(x -> !members.contains(x.group.self().id())).forEach(Membership::retire);
    }

    private List<Writer> live(TestCluster cluster) {
        List<TestNode> up = cluster.running();
        return writers.stream().filter(w -> up.contains(w.node)).toList();
    }

    private static Set<String> messagesOf(Membership m) {
        Set<String> seen = new HashSet<>();
        for (MemberLog l : m.log.logs()) {
            l.entries().stream().filter(e -> e.kind() == Kind.MESSAGE).forEach(e -> seen.add(e.what()));
        }
        return seen;
    }

    /** the order check, the lost writes, and the report line */
    private void finishAndCheck(long seed, int steps, long t0) {
        List<MemberLog> logs = new ArrayList<>();
        memberships.forEach(m -> logs.addAll(m.log.logs()));
        dump(logs);
        // every message of the cluster log carries its position: the check that needs no chaining of lifetimes
        OrderInvariant.Report order = OrderInvariant.checkByPosition(logs);
        order.mismatches().stream().limit(10).forEach(x -> System.out.println("ORDER MISMATCH: " + x));
        order.mismatches().stream().limit(3).forEach(x -> showWhereOthersHaveIt(x, logs));
        long lost = countLostAcknowledged();
        String report = "chaos seed " + seed + ": steps " + steps + ", switches " + counters.switches
                + ", refusals " + counters.refusals() + ", kills " + counters.kills + ", partitions "
                + counters.partitions + " (bridges " + counters.bridges + "), deaf spells " + counters.deafSpells
                + ", writes acknowledged " + counters.acknowledged + " (longest pause "
                + counters.longestPauseMillis + " ms), orders compared " + order.compared()
                + ", order mismatches " + order.mismatches().size() + ", minority commits "
                + counters.minorityCommits + ", stalled sends " + counters.stalledSends
                + ", lost acknowledged writes " + lost + ", unexpected exceptions " + counters.unexpected
                + ", members " + memberships.size() + ", " + (System.nanoTime() - t0) / 1_000_000_000 + " s";
        System.out.println(report);
        assertEquals(report + "; first mismatch: " + order.firstMismatch(), 0, order.mismatches().size());
        assertEquals(report, 0, counters.minorityCommits.get() + counters.stalledSends.get() + lost);
        assertTrue("the switcher never switched: " + report, counters.switches.get() > 0);
    }

    /**
     * For a mismatch, the entries of every log that name its member, with their neighbours: CI keeps only the
     * console (a run that found one mismatch in 50 showed nothing more than the checker's line)
     */
    private static void showWhereOthersHaveIt(String mismatch, List<MemberLog> logs) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("member (\\S+):").matcher(mismatch);
        if (!m.find()) {
            return;
        }
        String member = m.group(1);
        int shown = 0;
        for (MemberLog l : logs) {
            List<OrderInvariant.Entry> es = l.entries();
            for (int i = 0; i < es.size() && shown < 12; i++) {
                if (es.get(i).what().contains(member)) {
                    shown++;
                    System.out.println("  " + l.member() + " (" + es.size() + " entries) [" + i + "]: "
                            + es.subList(Math.max(0, i - 3), Math.min(es.size(), i + 4)));
                }
            }
        }
    }

    /** -Dchaos.dump=file writes every member's log, one entry per line, for reading a failure offline */
    private static void dump(List<MemberLog> logs) {
        String file = System.getProperty("chaos.dump");
        if (file == null || file.isBlank()) {
            return;
        }
        try (var out = Files.newBufferedWriter(Path.of(file))) {
            for (MemberLog l : logs) {
                out.write("LOG " + l.group() + " " + l.member() + " stillMember=" + l.stillMember() + "\n");
                for (var e : l.entries()) {
                    out.write(e + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** acknowledged writes missing from a member that joined before the send started and is a member still */
    private long countLostAcknowledged() {
        long lost = 0;
        for (Membership m : memberships) {
            if (m.gone) {
                continue;
            }
            Set<String> seen = messagesOf(m);
            for (Ack a : acks) {
                if (a.started() > m.joined && !seen.contains(a.what())) {
                    if (++lost <= 10) {
                        System.out.println("LOST acknowledged write " + a.what() + " at " + m.log.logs().stream()
                                .map(MemberLog::member).toList() + " on " + m.node);
                    }
                }
            }
        }
        return lost;
    }

    private static TestNode pick(TestCluster cluster, Random random) {
        List<TestNode> up = cluster.running();
        return up.get(random.nextInt(up.size()));
    }

    private static List<TestNode> shuffled(TestCluster cluster, Random random) {
        List<TestNode> order = cluster.running();
        order.sort(java.util.Comparator.comparing(n -> n.name)); // the seed alone decides the shuffle
        java.util.Collections.shuffle(order, random);
        return order;
    }

    private static List<String> names(List<TestNode> nodes) {
        return nodes.stream().map(n -> n.name).toList();
    }

    private static String states(TestCluster cluster) {
        return cluster.running().stream().map(n -> n.name + (n.isLeader() ? "*" : "") + " leader "
                + n.node.hasLeader() + " synced " + n.node.isSynced() + " view " + n.node.nodesInView() + " "
                + n.node.group(GROUP).map(Object::toString).orElse("-")).collect(Collectors.joining("; "));
    }
}
