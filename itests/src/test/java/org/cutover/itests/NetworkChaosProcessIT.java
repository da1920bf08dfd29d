package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.cutover.launcher.ClusterTables;
import org.cutover.launcher.ClusterTables.GroupRow;
import org.cutover.launcher.ClusterTables.NodeRow;
import org.cutover.launcher.KarafNode;
import org.cutover.launcher.KvStats;
import org.cutover.launcher.LocalCluster;
import org.cutover.launcher.PrivateNetwork;
import org.junit.After;
import org.junit.Test;

/**
 * Issue 14's chaos run: five real Karaf processes, each in a network namespace of its own on a private bridge
 * (found by DNS), under kv load from three of them, while the kernel cuts the network (2|3, 1|4, and a bridge: two
 * pairs that reach only a fifth node), drops 1-20 % of one node's packets, holds another's 5-50 ms (with jitter,
 * sometimes reordered), and the test kills the log's leader or another node with SIGKILL and starts it again. Group kv is held, so its level moves only when the test adjusts
 * it, up and down, after every step; during a fault every adjust must be refused on whichever side it is asked
 * (the cluster is not whole), with nothing sent, and no writer on a cut-off minority gets a write acknowledged
 * until the heal (minority commits); across a bridge an adjust may also pass or end without an answer.
 *
 * <p>Checked across the processes, on every node: after each heal or restart all five converge (every node ACTIVE
 * with levels 1 and 2 on every node, one kv row with the same level and epoch and a member per node) within
 * {@link #HEAL_BOUND}; at the end, with the loads stopped, every node has delivered the same complete kv log (the
 * same last position and the same delivery chain: a SHA-256 over every message in order), no sender's counter was
 * repeated or reordered on any node and none skipped but those of sends that ended without an answer (in doubt:
 * they may or may not be applied), every write a writer had acknowledged was delivered on every node (per sender,
 * its highest acknowledged counter is at most the highest delivered), and every node's adjust history holds
 * exactly the adjusts the test saw succeed (or, for one asked across a bridge that ended without an answer, that
 * the history shows), the same on every node.
 *
 * <p>CI runs three steps of a fixed seed (a 2|3 cut with loss on a majority node and delay on another, the leader's
 * kill -9, a bridge).
 * Longer (issue 14's documented run: 75 steps, at least 30 partitions and 300 switches):
 * {@code mvn -B -pl itests verify -Dit.test=NetworkChaosProcessIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.steps=75 -Dchaos.adjusts=4 -Dchaos.seed=random} (re-run one with
 * {@code -Dchaos.seed=S}).
 */
public class NetworkChaosProcessIT {

    private static final String DEFAULT_SEED = "14";
    private static final int STEPS = Integer.getInteger("chaos.steps", 3);
    /** adjusts, up and down, once the cluster is whole after each step */
    private static final int ADJUSTS_PER_STEP = Integer.getInteger("chaos.adjusts", 1);
    private static final int NODES = 5;
    private static final int RATE = Integer.getInteger("chaos.rate", 30);
    private static final Duration BOOT = Duration.ofSeconds(300);
    /** a cut seen by both sides: FD_ALL3's 15 s, VERIFY_SUSPECT2, a view, the leader's entry; slack for 2 cores */
    private static final Duration DETECT = Duration.ofSeconds(90);
    /**
     * every node back in one view with its kv member, after a heal: MERGE3 (views sent every 2.5-7.5 s, compared
     * every 8 s), the merged view, the kv members of the cut-off nodes joining again. docs/performance.md has the
     * figures.
     */
    private static final Duration HEAL_BOUND = Duration.ofSeconds(Long.getLong("chaos.heal.seconds", 60));
    private static final Duration FAULT_SPELL = Duration.ofSeconds(8);
    /** FD_ALL3's 15 s and VERIFY_SUSPECT2's 1.5 s, and some */
    private static final Duration BRIDGE_SPELL = Duration.ofSeconds(20);

    private enum Fault { CUT_TWO_THREE, KILL_LEADER, BRIDGE, LOSS, CUT_ONE_FOUR, KILL_OTHER, DELAY }

    private final Path root = CutoverKarafOptions.itestDir().toPath().resolve("netchaos-run").toAbsolutePath();
    private final LocalCluster cluster = new LocalCluster(root, CutoverKarafOptions.distribution(),
            new LocalCluster.Timeouts(BOOT, Duration.ofSeconds(60), Duration.ofMillis(500)));
    private final ExecutorService pool = Executors.newFixedThreadPool(NODES);
    private final Map<String, KarafNode> byName = new TreeMap<>();
    private final Set<String> down = new TreeSet<>();
    private final List<String> writers = List.of("node1", "node3", "node5");
    /** per kv member a writer has been: its highest acknowledged counter */
    private final Map<String, Long> acknowledged = new TreeMap<>();
    /** per kv member a writer has been: the counters of sends without a definite answer (they may be applied) */
    private final Map<String, Set<Long>> inDoubt = new TreeMap<>();
    private PrivateNetwork net;
    private int level = 1;

    private int switches;
    private int refusals;
    private int kills;
    private int leaderKills;
    private int partitions;
    private int bridges;
    private int lossSpells;
    private int delaySpells;
    private long longestHealMillis;
    /** adjusts that ended without an answer: committed or not, the history told */
    private int uncertain;
    /** writes acknowledged on a cut-off minority between its seeing the cut and the heal: must stay 0 */
    private long minorityCommits;

    @After
    public void stopEverything() throws IOException {
        pool.shutdownNow();
        Path logs = CutoverKarafOptions.itestDir().toPath().resolve("netchaos-logs");
        Files.createDirectories(logs);
        // every node on disk, not only those the test knew: a boot that never formed the cluster (CI 2026-12-06
        // 23:41, node3 absent from every view for 300 s) left no log here when this read the started nodes
        for (KarafNode node : cluster.nodes()) {
            Path log = node.home.resolve("data/log/karaf.log");
            if (Files.exists(log)) {
                Files.copy(log, logs.resolve(node.name + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
            // the threads of a node that stopped answering, dumped when a command gave up on it
            if (Files.isDirectory(node.home)) {
                try (var dumps = Files.newDirectoryStream(node.home, "threads-*.txt")) {
                    for (Path dump : dumps) {
                        Files.copy(dump, logs.resolve(node.name + "-" + dump.getFileName()),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        cluster.clean(line -> { });
    }

    @Test
    public void fiveNodesInNamespacesKeepOneLogThroughCutsLossAndKills() throws Exception {
        String seedProperty = System.getProperty("chaos.seed", DEFAULT_SEED);
        long seed = "random".equals(seedProperty) ? new SecureRandom().nextLong() : Long.parseLong(seedProperty);
        Random random = new Random(seed);
        System.out.println("NetworkChaosProcessIT: seed " + seed + ", " + STEPS + " steps (re-run with -Dchaos.seed="
                + seed + ")");
        long t0 = System.nanoTime();

        cluster.clean(line -> { }); // what a failed earlier run left
        cluster.start(NODES, true, line -> System.out.println("NetworkChaosProcessIT: " + line));
        net = cluster.network().orElseThrow();
        refreshNodes();
        parallel(node -> node.installFeature("cutover-example"));
        Await.until("a kv member on every node", BOOT, () -> parallel(NetworkChaosProcessIT::kvRow),
                rows -> rows.values().stream().allMatch(kv -> kv != null && kv.members().size() == NODES));
        String held = byName.get("node1").client("cluster:version-hold on kv");
        assertTrue(held, held.startsWith("held kv"));
        parallel(node -> node.installFeature("cutover-infra/2.0.0"));
        converge("boot");
        System.out.printf("NetworkChaosProcessIT: %d nodes up in namespaces, kv held at level 1, in %d s%n", NODES,
                seconds(t0));
        for (String w : writers) {
            startLoad(byName.get(w));
        }

        // after the three fixed steps the faults come from a shuffled deck, each kind once in every seven steps, so
        // a long run holds its share of every kind (three kinds of partition in seven) whatever the seed
        List<Fault> deck = new ArrayList<>();
        for (int step = 1; step <= STEPS; step++) {
            if (step > 3 && deck.isEmpty()) {
                deck.addAll(List.of(Fault.values()));
                Collections.shuffle(deck, random);
            }
            Fault fault = step <= 3 ? List.of(Fault.CUT_TWO_THREE, Fault.KILL_LEADER, Fault.BRIDGE).get(step - 1)
                    : deck.remove(deck.size() - 1);
            String what = switch (fault) {
                case CUT_TWO_THREE -> cut(random, 2);
                case CUT_ONE_FOUR -> cut(random, 1);
                case BRIDGE -> bridge(random);
                case LOSS -> loss(random);
                case DELAY -> delay(random);
                case KILL_LEADER -> killAndRestart(leader(), true, random);
                case KILL_OTHER -> {
                    String leader = leader();
                    yield killAndRestart(pick(random, liveNames().stream().filter(n -> !n.equals(leader))
                            .collect(Collectors.toList())), false, random);
                }
            };
            restartFailedLoads();
            for (int i = 0; i < ADJUSTS_PER_STEP; i++) {
                what += "; " + adjust(random);
            }
            System.out.printf("NetworkChaosProcessIT: step %d at %d s: %s; kv at level %d on every node%n", step,
                    seconds(t0), what, level);
        }

        // the end: the loads stop, every node delivers to the same position, then the whole outcome is compared
        for (String w : writers) {
            byName.get(w).client("kv:load --stop");
        }
        Map<String, Map<String, String>> stats = Await.until("every node at the same last sequence", HEAL_BOUND,
                () -> parallel(node -> KvStats.parse(node.client("kv:stats --senders"))),
                s -> s.values().stream().map(v -> v.get("last sequence")).distinct().count() == 1);
        stats.values().forEach(this::noteAcknowledged);
        long gaps = 0;
        long lostAcknowledged = 0;
        long duplicated = 0;
        long reordered = 0;
        long undelivered = 0;
        for (Map.Entry<String, Map<String, String>> e : stats.entrySet()) {
            Map<String, String> s = e.getValue();
            System.out.println("NetworkChaosProcessIT: " + e.getKey() + ": " + s);
            gaps += Long.parseLong(s.get("lost"));
            duplicated += Long.parseLong(s.get("duplicated"));
            reordered += Long.parseLong(s.get("reordered"));
            // a counter skipped on a node is lost unless its send ended without an answer (then it may be missing)
            for (Map.Entry<String, String> line : s.entrySet()) {
                if (line.getKey().startsWith("missing ")) {
                    String sender = line.getKey().substring("missing ".length());
                    for (String c : line.getValue().split(" ")) {
                        if (!inDoubt.getOrDefault(sender, Set.of()).contains(Long.parseLong(c))) {
                            lostAcknowledged++;
                            System.out.println("NetworkChaosProcessIT: LOST on " + e.getKey() + ": " + sender + " " + c);
                        }
                    }
                }
            }
            for (Map.Entry<String, Long> acked : acknowledged.entrySet()) {
                long delivered = Long.parseLong(s.getOrDefault("delivered " + acked.getKey(), "0"));
                if (delivered < acked.getValue()) {
                    undelivered += acked.getValue() - delivered;
                    System.out.println("NetworkChaosProcessIT: UNDELIVERED on " + e.getKey() + ": " + acked.getKey()
                            + " acknowledged " + acked.getValue() + ", delivered " + delivered);
                }
            }
        }
        long doubts = inDoubt.values().stream().mapToLong(Set::size).sum();
        long chains = stats.values().stream().map(s -> s.get("chain")).distinct().count();
        // every position of every node's log is compared through its chain: nodes off the most common chain
        String commonChain = stats.values().stream().map(s -> s.get("chain")).collect(Collectors.groupingBy(
                c -> c, Collectors.counting())).entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow()
                .getKey();
        long orderMismatches = stats.values().stream().filter(s -> !s.get("chain").equals(commonChain)).count();
        long ordersCompared = stats.values().stream().mapToLong(s -> Long.parseLong(s.get("last sequence"))).sum();
        Map<String, List<String>> histories = parallel(NetworkChaosProcessIT::kvHistory);
        long historyVersions = histories.values().stream().distinct().count();
        int historyAdjusts = histories.values().iterator().next().size();
        long acknowledgedWrites = acknowledged.values().stream().mapToLong(Long::longValue).sum();
        // ChaosTest's line, its fields in its order (loss and delay spells where it has deaf spells), then what
        // only real processes show
        String report = String.format("NetworkChaosProcessIT: chaos seed %d: steps %d, switches %d, refusals %d,"
                        + " kills %d (leader %d), partitions %d (bridges %d), loss spells %d, delay spells %d, writes"
                        + " acknowledged %d (longest heal %.1f s), orders compared %d, order mismatches %d, minority"
                        + " commits %d, lost acknowledged writes %d; duplicated %d, reordered %d, writes in doubt %d"
                        + " (gaps %d), last sequence %s, delivery chains %d, histories %d (%d adjusts, %d without an"
                        + " answer), %d s",
                seed, STEPS, switches, refusals, kills, leaderKills, partitions, bridges, lossSpells, delaySpells,
                acknowledgedWrites, longestHealMillis / 1000.0, ordersCompared, orderMismatches, minorityCommits,
                lostAcknowledged + undelivered, duplicated, reordered, doubts, gaps,
                stats.values().iterator().next().get("last sequence"), chains, historyVersions, historyAdjusts,
                uncertain, seconds(t0));
        System.out.println(report);
        assertEquals("one delivery chain on every node: " + report, 1, chains);
        assertEquals("one adjust history on every node: " + histories, 1, historyVersions);
        assertEquals("the history holds exactly the adjusts that succeeded: " + histories, switches, historyAdjusts);
        assertEquals(report, 0, lostAcknowledged + duplicated + reordered + undelivered + minorityCommits);
        assertTrue("the writers wrote: " + report, acknowledgedWrites > 0);
        assertTrue("heals within " + HEAL_BOUND + ": " + report, longestHealMillis <= HEAL_BOUND.toMillis());
    }

    // ---- faults ----

    /** cuts {@code minoritySize} random nodes off the rest, with loss on a majority node for the time of the cut */
    private String cut(Random random, int minoritySize) throws Exception {
        List<String> order = new ArrayList<>(liveNames());
        Collections.shuffle(order, random);
        List<String> minority = order.subList(0, minoritySize);
        List<String> majority = order.subList(minoritySize, order.size());
        net.partition(List.of(minority, majority));
        partitions++;
        String lossy = pick(random, majority);
        int percent = 1 + random.nextInt(20);
        net.loss(lossy, percent);
        lossSpells++;
        String slow = pick(random, majority.stream().filter(n -> !n.equals(lossy)).collect(Collectors.toList()));
        int millis = 5 + random.nextInt(26);
        net.delay(slow, millis, millis / 4, 0);
        delaySpells++;
        // both sides see it: the majority shows the cut nodes PARTITIONED, each cut node sees no majority
        long cutAt = System.nanoTime();
        Await.until("the majority " + majority + " seeing " + minority + " PARTITIONED", DETECT,
                () -> parallel(majority, KarafNode::nodeList), seen -> seen.values().stream().allMatch(
                        list -> minority.stream().allMatch(n -> list.getOrDefault(n, "").startsWith("PARTITIONED"))));
        Await.until("the cut nodes " + minority + " seeing the majority gone", DETECT,
                () -> parallel(minority, KarafNode::nodeList), seen -> seen.values().stream().allMatch(
                        list -> majority.stream().anyMatch(n -> !list.getOrDefault(n, "").startsWith("ACTIVE"))));
        long seenMillis = (System.nanoTime() - cutAt) / 1_000_000;
        // nothing commits on the minority: no writer there gets another write acknowledged until the heal
        Map<String, Long> ackedBefore = acknowledgedOn(minority);
        refusedEverywhere(List.of(pick(random, minority), pick(random, majority)));
        sleep(FAULT_SPELL);
        for (Map.Entry<String, Long> after : acknowledgedOn(minority).entrySet()) {
            long grew = after.getValue() - ackedBefore.getOrDefault(after.getKey(), 0L);
            if (grew > 0) {
                minorityCommits += grew;
                System.out.println("NetworkChaosProcessIT: MINORITY COMMIT on " + minority + ": " + after.getKey()
                        + " went from " + ackedBefore.get(after.getKey()) + " to " + after.getValue());
            }
        }
        net.heal();
        return "cut " + minority + " | " + majority + " with " + percent + " % loss on " + lossy + " and "
                + millis + " ms ± " + millis / 4 + " delay on " + slow + ", seen on both sides"
                + " in " + seenMillis + " ms, adjusts refused on both sides, healed in " + awaitHealed("the heal of "
                + minority + " | " + majority) + " ms";
    }

    /**
     * Two pairs that reach only the fifth node, which reaches all. Whether the log's leader keeps a majority
     * depends on where it is; an adjust asked of the middle node is refused (nothing sent), succeeds, or ends
     * without an answer (the members across the bridge cannot confirm), and then the history after the heal says
     * whether it was committed.
     */
    private String bridge(Random random) throws Exception {
        List<String> order = new ArrayList<>(liveNames());
        Collections.shuffle(order, random);
        List<String> left = order.subList(0, 2);
        List<String> right = order.subList(2, 4);
        String middle = order.get(4);
        net.partition(List.of(left, right));
        partitions++;
        bridges++;
        // FD_ALL3 suspects across the bridge after 15 s; MERGE3 (via the middle node) merges the views again within
        // about 8 s, over and over: what a node shows depends on the moment (measured: every node all ACTIVE at most
        // polls), so the step waits out one detection, then asks
        sleep(BRIDGE_SPELL);
        int historyBefore = kvHistory(byName.get(middle)).size();
        int to = level == 1 ? 2 : 1;
        String out = byName.get(middle).client("cluster:version-adjust --to " + to + (to == 1 ? " --downgrade" : "")
                + " kv");
        sleep(FAULT_SPELL);
        net.heal();
        String outcome;
        if (out.contains("adjusted kv to level " + to)) {
            outcome = "adjusted";
        } else if (out.contains("nothing was sent")) {
            outcome = "refused";
            refusals++;
        } else {
            outcome = "no answer";
        }
        long healed;
        if (!outcome.equals("refused")) {
            // committed or not: the history, once the cluster is whole, says it; the model follows it
            Await.until("the bridge's cut healed on every node", HEAL_BOUND.plus(DETECT), () -> parallel(
                    KarafNode::nodeList), seen -> seen.values().stream().allMatch(
                    list -> list.values().stream().allMatch(st -> st.startsWith("ACTIVE"))));
            if (kvHistory(byName.get(middle)).size() > historyBefore) {
                level = to;
                switches++;
                outcome += ", committed";
            } else {
                outcome += ", not committed";
            }
            uncertain += outcome.startsWith("no answer") ? 1 : 0;
        }
        healed = awaitHealed("the heal of the bridge");
        return "bridge " + left + " - " + middle + " - " + right + ", adjust from " + middle + " " + outcome + " ("
                + out.strip().replace('\n', ' ') + "), healed in " + healed + " ms";
    }

    /** 1-20 % of one node's packets lost each way while the writes go on and an adjust runs */
    private String loss(Random random) throws Exception {
        String lossy = pick(random, liveNames());
        int percent = 1 + random.nextInt(20);
        net.loss(lossy, percent);
        lossSpells++;
        String adjusted = adjust(random);
        sleep(FAULT_SPELL);
        net.loss(lossy, 0);
        converge("after the loss on " + lossy);
        return percent + " % loss on " + lossy + ": " + adjusted;
    }

    /** one node's packets held 1-50 ms (± a quarter), a tenth of the time with 10 % reordered, while an adjust runs */
    private String delay(Random random) throws Exception {
        String slow = pick(random, liveNames());
        int millis = 1 + random.nextInt(50);
        int reorder = random.nextInt(10) == 0 ? 10 : 0;
        net.delay(slow, millis, millis / 4, reorder);
        delaySpells++;
        String shown = net.delay(slow);
        String adjusted = adjust(random);
        sleep(FAULT_SPELL);
        net.delay(slow, 0, 0, 0);
        converge("after the delay on " + slow);
        return shown + " delay on " + slow + ": " + adjusted;
    }

    /** {@code leader}: whether the victim leads the log as the nodes show it just before */
    private String killAndRestart(String victim, boolean leader, Random random) throws Exception {
        KarafNode node = byName.get(victim);
        if (writers.contains(victim)) {
            // what this incarnation had acknowledged is read now: a dead node cannot be asked
            node.client("kv:load --stop");
            noteAcknowledged(KvStats.parse(node.client("kv:stats --senders")));
        }
        node.kill9();
        kills++;
        leaderKills += leader ? 1 : 0;
        down.add(victim);
        Await.until("the others seeing " + victim + " gone", DETECT, () -> parallel(KarafNode::nodeList),
                seen -> seen.values().stream().allMatch(list -> !list.getOrDefault(victim, "").startsWith("ACTIVE")));
        refusedEverywhere(List.of(pick(random, liveNames())));
        long t = System.nanoTime();
        cluster.start(NODES, true, line -> { });
        refreshNodes();
        down.remove(victim);
        long healed = awaitHealed("the restart of " + victim);
        if (writers.contains(victim)) {
            startLoad(byName.get(victim));
        }
        return "kill -9 of " + victim + (leader ? " (the leader)" : "") + ", adjust refused, restarted and whole in "
                + (System.nanoTime() - t) / 1_000_000 + " ms (" + healed + " ms after its boot)";
    }

    // ---- adjusts ----

    /** one adjust, up or down, from a random node: the cluster is whole, so it must succeed */
    private String adjust(Random random) {
        KarafNode asker = byName.get(pick(random, liveNames()));
        int to = level == 1 ? 2 : 1;
        String out = asker.client("cluster:version-adjust --to " + to + (to == 1 ? " --downgrade" : "") + " kv");
        assertTrue("adjust to " + to + " from " + asker.name + ": " + out, out.contains("adjusted kv to level " + to));
        level = to;
        switches++;
        converge("the adjust to " + to);
        return "adjust to " + to + " from " + asker.name;
    }

    /** while the cluster is not whole an adjust is refused on every side, and nothing is sent */
    private void refusedEverywhere(List<String> askers) {
        for (String asker : askers) {
            int to = level == 1 ? 2 : 1;
            String out = byName.get(asker).client("cluster:version-adjust --to " + to
                    + (to == 1 ? " --downgrade" : "") + " kv");
            assertTrue("an adjust from " + asker + " refused while the cluster is not whole: " + out,
                    out.contains("GROUP_PARTITIONED:") && out.contains("nothing was sent"));
            refusals++;
        }
    }

    // ---- invariants ----

    /** waits until the cluster is whole again; returns how long it took */
    private long awaitHealed(String what) {
        long t = System.nanoTime();
        converge(what);
        long millis = (System.nanoTime() - t) / 1_000_000;
        longestHealMillis = Math.max(longestHealMillis, millis);
        return millis;
    }

    /** what every live node shows: its node list and its kv row */
    private record Snapshot(Map<String, List<NodeRow>> lists, Map<String, GroupRow> kv) {
    }

    private Snapshot snapshot() {
        return new Snapshot(parallel(node -> ClusterTables.nodes(node.shell("cluster:node-list --no-format")
                .orThrow(node.name))), parallel(NetworkChaosProcessIT::kvRow));
    }

    /**
     * Waits until every live node shows every live node ACTIVE with levels 1 and 2 (a killed one not ACTIVE), and
     * one kv row: the model's level, one epoch on every node, a member on every live node. Fails with the last
     * state seen.
     */
    private void converge(String when) {
        Set<String> live = liveNames();
        Await.until("every node agreeing after " + when + ": " + live + " ACTIVE at 1, 2, kv at level " + level
                + " with a member on each", HEAL_BOUND.plus(DETECT), this::snapshot, s -> agrees(s, live));
    }

    private boolean agrees(Snapshot s, Set<String> live) {
        for (String seer : live) {
            for (NodeRow row : s.lists().get(seer)) {
                if (live.contains(row.name()) != (row.active() && row.levelSet().equals(Set.of(1, 2)))) {
                    return false;
                }
            }
            GroupRow row = s.kv().get(seer);
            if (row == null || row.level() != level || !live.stream().allMatch(row::hasMemberOn)
                    || row.members().size() != live.size()) {
                return false;
            }
        }
        return s.kv().values().stream().map(GroupRow::epoch).distinct().count() == 1;
    }

    private static GroupRow kvRow(KarafNode node) {
        return LocalCluster.group(node, "kv").orElse(null);
    }

    /**
     * the kv adjusts of the node's history (holds aside): requested by, groups, from, to, epoch, outcome (the When
     * column aside)
     */
    private static List<String> kvHistory(KarafNode node) {
        List<String> rows = new ArrayList<>();
        for (String line : node.shell("cluster:version-history --no-format").orThrow(node.name).split("\\R")) {
            String[] f = line.split("\t");
            if (f.length >= 8 && f[2].strip().equals("kv") && !f[7].strip().equals("HOLD")) {
                rows.add(String.join(" ", f[1].strip(), f[2].strip(), f[3].strip(), f[4].strip(), f[5].strip(),
                        f[7].strip()));
            }
        }
        return rows;
    }

    /** per kv member of the writers among {@code nodes}: its highest acknowledged counter now */
    private Map<String, Long> acknowledgedOn(List<String> nodes) {
        Map<String, Long> acked = new TreeMap<>();
        for (String n : nodes) {
            if (writers.contains(n)) {
                KvStats.parse(byName.get(n).client("kv:stats --senders")).forEach((k, v) -> {
                    if (k.startsWith("acknowledged ")) {
                        acked.put(k.substring("acknowledged ".length()), Long.parseLong(v));
                    }
                });
            }
        }
        return acked;
    }

    private void noteAcknowledged(Map<String, String> stats) {
        stats.forEach((k, v) -> {
            if (k.startsWith("acknowledged ")) {
                acknowledged.merge(k.substring("acknowledged ".length()), Long.parseLong(v), Math::max);
            } else if (k.startsWith("in doubt ")) {
                Set<Long> doubts = inDoubt.computeIfAbsent(k.substring("in doubt ".length()), m -> new TreeSet<>());
                for (String c : v.split(" ")) {
                    doubts.add(Long.parseLong(c));
                }
            }
        });
    }

    // ---- the cluster ----

    private String leader() {
        for (KarafNode node : byName.values()) {
            if (!down.contains(node.name)) {
                for (String line : node.client("cluster:node-list --no-format").split("\\R")) {
                    String[] f = line.split("\t");
                    if (f.length >= 5 && f[4].contains("leader")) {
                        return f[0].strip();
                    }
                }
            }
        }
        throw new AssertionError("no node shows a leader of the log");
    }

    private void startLoad(KarafNode writer) {
        String out = Await.until(writer.name + " starting its load", HEAL_BOUND, () -> writer.client(
                "kv:load --count 100000000 --rate " + RATE), o -> o.contains("load started"));
        assertTrue(writer.name + " kv:load: " + out, out.contains("load started"));
    }

    /** a writer cut off from the majority had a write refused, which ended its load: it writes again */
    private void restartFailedLoads() {
        for (String w : writers) {
            Map<String, String> stats = KvStats.parse(byName.get(w).client("kv:stats --senders"));
            if (!stats.getOrDefault("load", "").startsWith("running")) {
                System.out.println("NetworkChaosProcessIT: " + w + "'s load ended: " + stats.get("load"));
                noteAcknowledged(stats);
                startLoad(byName.get(w));
            }
        }
    }

    private void refreshNodes() throws IOException {
        for (KarafNode node : cluster.nodes()) {
            byName.put(node.name, node);
        }
    }

    private Set<String> liveNames() {
        Set<String> live = new TreeSet<>(byName.keySet());
        live.removeAll(down);
        return live;
    }

    private static String pick(Random random, java.util.Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        return list.get(random.nextInt(list.size()));
    }

    private <T> Map<String, T> parallel(OnEveryNode.NodeCall<T> f) {
        return parallel(liveNames(), f);
    }

    /** runs {@code f} on each of {@code names} at once; results by node name */
    private <T> Map<String, T> parallel(java.util.Collection<String> names, OnEveryNode.NodeCall<T> f) {
        return OnEveryNode.run(pool, names.stream().map(byName::get).collect(Collectors.toList()), f);
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    private static long seconds(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0).toSeconds();
    }
}
