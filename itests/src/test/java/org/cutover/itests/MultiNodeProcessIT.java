package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Test;
import org.cutover.launcher.KarafNode;
import org.cutover.launcher.KvStats;

/**
 * Three real Karaf processes from copies of the built distribution form one
 * cluster on loopback. The example store (group kv) runs on every node and two
 * nodes write to it while infrastructure 2.0.0 is installed node by node from
 * each node's system/ folder by one {@code cluster:upgrade} (after a dry run
 * that names the node missing the bundle and changes nothing). Once the last node runs level 2 the cluster
 * adjusts group kv to it by itself (issue 12's automatic adjust, {@code auto@}
 * the leader in the history): the level-2 kv:verify is refused before, and
 * after it every member holds the same map with nothing lost, duplicated or
 * reordered; retiring 2.0.0 is refused (kv runs level 2) and retiring 1.0.0
 * goes through node by node under the writes. Then an orderly stop shows as INACTIVE and a SIGKILL as
 * PARTITIONED.
 */
public class MultiNodeProcessIT {

    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(60);
    /** more than the test ever writes: the loads run until they are stopped after the adjust */
    private static final int LOAD_LIMIT = 1_000_000;
    private static final int LOAD_RATE = 400;

    private final List<KarafNode> nodes = new ArrayList<>();

    @After
    public void stopEverything() {
        nodes.forEach(KarafNode::close);
    }

    @Test
    public void threeNodesKeepKvConsistentThroughRollingInfra2AndAdjustThenReportStopAndCrash() throws Exception {
        // the last run's nodes stay for inspection until the next run
        Path root = CutoverKarafOptions.itestDir().toPath().resolve("nodes");
        KarafNode.deleteTree(root);
        Files.createDirectories(root);
        for (String name : List.of("n1", "n2", "n3")) {
            nodes.add(KarafNode.unpack(name, root, CutoverKarafOptions.distribution()));
        }
        // n3 as on a machine of its own with no network: bundles only from its system/ folder, so what is not
        // there is missing (the others may also use the Maven repository of the machine running the test)
        nodes.get(2).setCfg("etc/org.ops4j.pax.url.mvn.cfg", Map.of("org.ops4j.pax.url.mvn.offline", "true",
                "org.ops4j.pax.url.mvn.localRepository", nodes.get(2).home.resolve("data/no-local-repository")));
        String clusterName = "it-multi-" + nodes.get(0).jgroupsPort;
        long t0 = System.nanoTime();
        for (KarafNode node : nodes) {
            node.cluster(clusterName, nodes).start();
        }
        KarafNode n1 = nodes.get(0);
        KarafNode n2 = nodes.get(1);
        KarafNode n3 = nodes.get(2);

        Map<String, String> formed = Map.of("n1", "ACTIVE 1", "n2", "ACTIVE 1", "n3", "ACTIVE 1");
        Await.until("n1, n2, n3 ACTIVE at level 1 as n1 sees them", FORM_TIMEOUT, n1::nodeList, formed::equals);
        System.out.printf("MultiNodeProcessIT: 3 nodes started and ACTIVE in %d ms%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        assertEquals(formed, Await.until("the same list at n3", STATUS_TIMEOUT, n3::nodeList, formed::equals));

        // the example store joins group kv on every node
        for (KarafNode node : nodes) {
            node.installFeature("cutover-example");
        }
        Await.until("group kv at level 1 with a member on each node", STATUS_TIMEOUT, () -> n1.client("cluster:group-list"),
                out -> out.matches("(?s).*kv\\s*\\|\\s*1\\s*\\|.*n1#\\d+.*") && out.contains("n2#") && out.contains("n3#"));
        String refused = n1.client("kv:verify");
        assertTrue("kv:verify at level 1: " + refused, refused.contains("needs infrastructure level 2"));

        // two writers keep group kv busy while the infrastructure changes under it
        n1.client("kv:load --unique --count " + LOAD_LIMIT + " --rate " + LOAD_RATE);
        n2.client("kv:load --unique --count " + LOAD_LIMIT + " --rate " + LOAD_RATE);

        // a dry run first: n3 lacks the 2.0.0 bundle in its system/ folder, so its simulation fails, the other
        // two pass, and nothing changes anywhere
        Path infra2 = n3.home.resolve("system/org/cutover/org.cutover.infra.v2");
        Path aside = n3.home.resolve("infra-v2-aside");
        Files.move(infra2, aside);
        String dry = n1.client("cluster:upgrade --dry-run cutover-infra/2.0.0");
        System.out.println("MultiNodeProcessIT: dry run | " + dry.strip().replace("\n", " | "));
        assertTrue("the dry run names n3 and fails: " + dry, dry.contains("dry run of the upgrade to cutover-infra/2.0.0 failed on"
                + " n3:") && dry.contains("Nothing was changed."));
        for (String ok : List.of("n1", "n2")) {
            // the path the install takes: the framework's own, every requirement of the bundle met by n1's bundles
            assertTrue(ok + " simulated: " + dry, Pattern.compile("(?m)^" + ok + "\\s+\\[#{10}\\] SIMULATED\\s+would"
                    + " install cutover-infra/2.0.0 directly: 1 bundle\\(s\\) from system/").matcher(dry).find());
        }
        assertEquals("the dry run changed nothing", formed, n2.nodeList());
        Files.move(aside, infra2);

        // the rolling hot install, node by node, each from its own system/ folder, asked once from n3 and
        // driven by the cluster log; the command follows it live and returns when every node is capable
        long t = System.nanoTime();
        String upgrade = n3.client("cluster:upgrade cutover-infra/2.0.0");
        System.out.printf("MultiNodeProcessIT: cluster:upgrade in %d ms | %s%n",
                Duration.ofNanos(System.nanoTime() - t).toMillis(), upgrade.strip().replace("\n", " | "));
        assertFalse("cluster:upgrade failed: " + upgrade, upgrade.contains("Error executing command"));
        assertTrue(upgrade, upgrade.contains("DONE: upgrade to cutover-infra/2.0.0, asked by karaf@n3"));
        for (String node : List.of("n1", "n2", "n3")) {
            assertTrue(node + " capable: " + upgrade, Pattern.compile("(?m)^" + node + "\\s+\\[#{10}\\] CAPABLE\\s+"
                    + "installed cutover-infra/2.0.0 directly \\(framework \\d+ ms\\) in \\d+ ms; runs levels \\[1, 2\\]")
                    .matcher(upgrade).find());
        }
        // Karaf takes the feature into its state afterwards, managing the bundle the framework installed: one
        // org.cutover.infra 2.0.0 bundle, no second copy
        for (KarafNode node : nodes) {
            Await.until(node.name + "'s feature:list showing cutover-infra 2.0.0 installed", STATUS_TIMEOUT,
                    () -> node.client("feature:list -i --no-format"),
                    out -> Pattern.compile("(?m)^cutover-infra\\s*\\t\\s*2\\.0\\.0").matcher(out).find());
            String bundles = node.client("bundle:list -s -t 0 --no-format");
            assertEquals(node.name + ": one infra 2.0.0 bundle in " + bundles, 1, bundles.lines()
                    .map(l -> List.of(l.split("\\s*\\t\\s*")))
                    .filter(f -> f.contains("org.cutover.infra") && f.contains("2.0.0")).count());
        }
        String status = n2.client("cluster:upgrade-status --no-format");
        assertTrue("any node shows it: " + status, status.contains(": DONE") && status.lines()
                .filter(l -> l.matches("n[123]\\s*\\t.*CAPABLE.*")).count() == 3);
        Map<String, String> rolled = Map.of("n1", "ACTIVE 1, 2", "n2", "ACTIVE 1, 2", "n3", "ACTIVE 1, 2");
        Await.until("every node at levels 1, 2 as n3 sees them", STATUS_TIMEOUT, n3::nodeList, rolled::equals);

        // nobody asks: the last capability in the log makes the leader adjust kv
        for (KarafNode node : nodes) {
            Await.until(node.name + " running kv at level 2, epoch 2", STATUS_TIMEOUT,
                    () -> node.client("cluster:group-list --no-format"),
                    out -> out.matches("(?s).*(^|\\R)kv\\s+2\\s+2\\s+2\\s.*"));
        }
        String history = n3.client("cluster:version-history --no-format kv");
        System.out.println("MultiNodeProcessIT: " + history.strip().replace("\n", " | "));
        assertTrue("the history names the automatic adjust: " + history, Pattern.compile(
                "(?m)^\\S+\\s+auto@n[123]\\s+kv\\s+1\\s+2\\s+2\\s").matcher(history).find());
        String kvStatsN1 = n1.client("kv:stats");
        System.out.println("MultiNodeProcessIT: n1 after the adjust: " + kvStatsN1.strip().replace("\n", " | "));
        assertTrue("the loads ended before the adjust; the switch was not made under writes: " + kvStatsN1,
                kvStatsN1.contains("load:          running"));

        // retiring: 2.0.0 alone serves level 2, which kv runs, so the first node refuses and nothing is removed;
        // 1.0.0 may go (2.0.0 serves level 1 too), node by node, under the writes
        String refusedRetire = n2.client("cluster:upgrade --retire cutover-infra/2.0.0");
        System.out.println("MultiNodeProcessIT: retire 2.0.0 | " + refusedRetire.strip().replace("\n", " | "));
        assertTrue("retiring 2.0.0 refused on n1, naming kv: " + refusedRetire, refusedRetire.contains(
                "the retirement of cutover-infra/2.0.0 failed on n1: refused: only cutover-infra/2.0.0 serves level 2"
                        + " here, which kv runs"));
        assertEquals("nothing was removed", rolled, n1.nodeList());
        t = System.nanoTime();
        String retired = n2.client("cluster:upgrade --retire cutover-infra/1.0.0");
        System.out.printf("MultiNodeProcessIT: retire 1.0.0 in %d ms | %s%n",
                Duration.ofNanos(System.nanoTime() - t).toMillis(), retired.strip().replace("\n", " | "));
        assertTrue(retired, retired.contains("DONE: retirement of cutover-infra/1.0.0, asked by karaf@n2"));
        for (KarafNode node : nodes) {
            assertTrue(node.name + " retired 1.0.0: " + retired, Pattern.compile("(?m)^" + node.name + "\\s+\\[#{10}\\]"
                    + " CAPABLE\\s+uninstalled cutover-infra/1.0.0 \\(Karaf \\d+ ms\\) in \\d+ ms; runs levels \\[1, 2\\]")
                    .matcher(retired).find());
            String infra = node.client("feature:list -i --no-format");
            assertFalse(node.name + " still has 1.0.0: " + infra,
                    Pattern.compile("(?m)^cutover-infra\\s+\\t?1\\.0\\.0").matcher(infra).find());
        }
        assertEquals("every node still runs levels 1 and 2", rolled, n3.nodeList());

        // a few more writes at level 2, then stop the writers and count what they sent
        long atAdjust = KvStats.counter(n1.client("kv:stats"), "sent");
        Await.until("n1 writing at level 2", STATUS_TIMEOUT, () -> KvStats.counter(n1.client("kv:stats"), "sent"),
                n -> n >= atAdjust + LOAD_RATE);
        long total = 0;
        for (KarafNode writer : List.of(n1, n2)) {
            String stop = writer.client("kv:load --stop");
            assertTrue(writer.name + " kv:load --stop: " + stop, stop.contains("load: stopped"));
            total += KvStats.counter(writer.client("kv:stats"), "sent");
        }
        System.out.println("MultiNodeProcessIT: " + total + " writes in group kv");
        for (KarafNode node : nodes) {
            long expected = total;
            String stats = Await.until(node.name + " applied all " + total + " writes", STATUS_TIMEOUT,
                    () -> node.client("kv:stats"), out -> KvStats.counter(out, "applied") == expected);
            assertEquals(node.name + ": " + stats, total, KvStats.counter(stats, "entries"));
            assertEquals(node.name + ": " + stats, 0, KvStats.counter(stats, "lost"));
            assertEquals(node.name + ": " + stats, 0, KvStats.counter(stats, "duplicated"));
            assertEquals(node.name + ": " + stats, 0, KvStats.counter(stats, "reordered"));
            assertTrue(node.name + " not at level 2: " + stats, stats.contains(", level 2, epoch 2,"));
        }
        String verified = n1.client("kv:verify");
        assertTrue("kv:verify at level 2: " + verified, verified.contains("all 3 members agree"));

        n3.stop(STATUS_TIMEOUT);
        Await.until("n3 INACTIVE after its orderly stop", STATUS_TIMEOUT, n1::nodeList,
                list -> list.get("n3") != null && list.get("n3").startsWith("INACTIVE"));
        // the features' start levels stop the application, then core, then the infrastructure:
        // n3's kv member left as an ordinary leave, not because level 2 vanished under it
        assertFalse("n3's member was pushed out of kv during the stop",
                n3.log().contains("cannot run its level"));

        // a late joiner: n3 set up again with infrastructure 1.0.0 only (its boot feature; its bundle cache gone)
        // while kv runs level 2. Without 2.0.0 in its system/ its kv member is refused, naming what it lacks; with
        // it, the node installs what the cluster's upgrade installed before its member is admitted
        n3.bootWithInfra("1.0.0", "cutover-example");
        Files.move(infra2, aside);
        n3.start();
        Await.until("n3 back, ACTIVE at level 1 as n1 sees it", FORM_TIMEOUT, n1::nodeList,
                list -> "ACTIVE 1".equals(list.get("n3")));
        // the store retries its join every 2 s and the node answers a failed heal from memory for 10 s: a first
        // refusal from before n3 announced its level 1 says "runs levels []" (CI on 180150b), a later one [1]
        String notJoined = Await.until("n3's kv member refused, naming the level n3 runs", STATUS_TIMEOUT,
                () -> n3.client("kv:stats"), out -> out.contains("NODE_INCAPABLE") && out.contains("runs levels [1]"));
        System.out.println("MultiNodeProcessIT: late joiner refused | " + notJoined.strip().replace("\n", " | "));
        assertTrue(notJoined, notJoined.contains("member of group kv (level 2) not admitted: node n3 runs levels [1]"
                + " and lacks level 2; installing cutover-infra/2.0.0 failed:"));
        assertEquals("ACTIVE 1", n1.nodeList().get("n3"));
        assertFalse("no member of n3 in kv", n1.client("cluster:group-list --no-format").contains("n3#"));
        Files.move(aside, infra2);
        t = System.nanoTime();
        String healed = Await.until("n3's kv member admitted at level 2", STATUS_TIMEOUT, () -> n3.client("kv:stats"),
                out -> out.contains(", level 2, epoch 2,"));
        System.out.printf("MultiNodeProcessIT: late joiner healed %d ms after 2.0.0 was back in its system/ | %s%n",
                Duration.ofNanos(System.nanoTime() - t).toMillis(), healed.strip().replace("\n", " | "));
        assertEquals(rolled, Await.until("n3 at levels 1, 2 as n1 sees it", STATUS_TIMEOUT, n1::nodeList,
                rolled::equals));
        assertTrue("n3 healed by the direct install: " + n3.log(), n3.log().contains(
                "healing level 2: installed cutover-infra/2.0.0 directly"));
        assertEquals("kv: " + n3.client("kv:stats"), total, KvStats.counter(n3.client("kv:stats"), "entries"));

        n2.kill9();
        Map<String, String> after = Await.until("n2 PARTITIONED after SIGKILL", STATUS_TIMEOUT, n1::nodeList,
                list -> list.get("n2") != null && list.get("n2").startsWith("PARTITIONED"));
        assertEquals("ACTIVE 1, 2", after.get("n1"));
        assertEquals("ACTIVE 1, 2", after.get("n3"));
    }
}
