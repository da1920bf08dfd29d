package org.cutover.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.cutover.launcher.KarafNode;
import org.cutover.launcher.KvStats;
import org.cutover.launcher.NodeCertificates;
import org.cutover.launcher.ShellResult;
import org.junit.After;
import org.junit.Test;

/**
 * Issue 12, item 7, on three real Karaf processes that take nothing from any Maven repository (pax-url offline,
 * bundles from system/ only): infrastructure 3.0.0, which no node has, reaches every node as the KAR the reactor
 * builds, handed to one node ({@code cluster:upgrade --kar}), after 2.0.0 from system/: 1 → 2 → 3 while two
 * nodes write to group kv. Level 3's atomic batch ({@code kv:put-all}, a function core does not know) is refused
 * at levels 1 and 2 and works at 3; a dry run with the KAR changes nothing; 1.0.0 is retired afterwards; nothing
 * written is lost, duplicated or reordered; a node set up again without the KAR's files takes them from the log
 * when it heals. The KAR is signed by the cluster CA; one signed by another CA is refused.
 */
public class InfraThreeKarProcessIT {

    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOAD_LIMIT = 1_000_000;
    private static final int LOAD_RATE = 300;
    private static final String BUNDLE_PATH = "org/cutover/org.cutover.infra.v3";

    private final List<KarafNode> nodes = new ArrayList<>();

    @After
    public void stopEverything() {
        nodes.forEach(KarafNode::close);
    }

    @Test
    public void infraThreeFromAKarGivenToOneNodeReachesEveryNodeUnderLoadAndKvUsesLevelThree() throws Exception {
        Path built = Path.of(System.getProperty("cutover.infra3.kar"));
        assertTrue("the reactor's KAR: " + built, Files.isRegularFile(built));
        Path root = CutoverKarafOptions.itestDir().toPath().resolve("kar-nodes");
        KarafNode.deleteTree(root);
        Files.createDirectories(root);
        Path kar = Files.copy(built, root.resolve(built.getFileName()));
        for (String name : List.of("n1", "n2", "n3")) {
            KarafNode node = KarafNode.unpack(name, root, CutoverKarafOptions.distribution());
            node.setCfg("etc/org.ops4j.pax.url.mvn.cfg", Map.of("org.ops4j.pax.url.mvn.offline", "true",
                    "org.ops4j.pax.url.mvn.localRepository", node.home.resolve("data/no-local-repository")));
            assertFalse(name + " has no 3.0.0 of its own", Files.exists(node.home.resolve("system/" + BUNDLE_PATH)));
            nodes.add(node);
        }
        String clusterName = "it-kar-" + nodes.get(0).jgroupsPort;
        for (KarafNode node : nodes) {
            node.cluster(clusterName, nodes).start();
        }
        KarafNode n1 = nodes.get(0);
        KarafNode n2 = nodes.get(1);
        KarafNode n3 = nodes.get(2);
        // the operator signs the KAR with the cluster CA (the one that issued the nodes' certificates)
        Path script = n1.home.resolve("bin/cutover-certs");
        NodeCertificates.sign(script, root, kar);
        Map<String, String> formed = Map.of("n1", "ACTIVE 1", "n2", "ACTIVE 1", "n3", "ACTIVE 1");
        Await.until("n1, n2, n3 ACTIVE at level 1", FORM_TIMEOUT, n1::nodeList, formed::equals);
        for (KarafNode node : nodes) {
            node.installFeature("cutover-example");
        }
        Await.until("group kv with a member on each node", STATUS_TIMEOUT, () -> n1.client("cluster:group-list"),
                out -> out.contains("n1#") && out.contains("n2#") && out.contains("n3#"));
        assertPutAllRefused(n3, 1);

        n1.client("kv:load --unique --count " + LOAD_LIMIT + " --rate " + LOAD_RATE);
        n2.client("kv:load --unique --count " + LOAD_LIMIT + " --rate " + LOAD_RATE);

        // 1 → 2, from every node's system/
        String two = n2.shell("cluster:upgrade cutover-infra/2.0.0").orThrow("n2");
        assertTrue(two, two.contains("DONE: upgrade to cutover-infra/2.0.0"));
        awaitKvAt(2, 2);
        assertPutAllRefused(n3, 2);

        // signed by a CA the cluster does not trust: refused where it is asked, nothing sent
        Path foreign = root.resolve("foreign");
        NodeCertificates.issue(script, foreign, "intruder", foreign.resolve("intruder")); // makes foreign/ca
        Path signed = Files.copy(Path.of(kar + ".sig"), root.resolve("cluster-ca.sig"));
        NodeCertificates.sign(script, foreign, kar);
        Path foreignSignature = Files.move(Path.of(kar + ".sig"), foreign.resolve("kar.sig"));
        Files.move(signed, Path.of(kar + ".sig"));
        ShellResult untrusted = n1.shell("cluster:upgrade --kar " + kar + " --signature " + foreignSignature
                + " cutover-infra/3.0.0");
        assertFalse(untrusted.toString(), untrusted.succeeded());
        assertTrue(untrusted.output(), untrusted.output().contains("NOT_AUTHORIZED: " + kar.getFileName()
                + " is not signed by a CA this node trusts"));

        // a dry run with the KAR: every node checks it and the bundle's requirements, nothing is written
        String dry = n1.shell("cluster:upgrade --dry-run --kar " + kar + " cutover-infra/3.0.0").orThrow("n1");
        System.out.println("InfraThreeKarProcessIT: dry run | " + dry.strip().replace("\n", " | "));
        for (KarafNode node : nodes) {
            assertTrue(node.name + " simulated: " + dry, Pattern.compile("(?m)^" + node.name + "\\s+\\[#{10}\\]"
                    + " SIMULATED\\s+would take KAR " + Pattern.quote(kar.getFileName().toString()) + " \\(\\d+ bytes,"
                    + " SHA-256 [0-9a-f]{64}\\) and install cutover-infra/3.0.0 directly: 1 bundle\\(s\\) from the KAR,"
                    + " every requirement met here").matcher(dry).find());
            assertFalse(node.name + " wrote nothing", Files.exists(node.home.resolve("system/" + BUNDLE_PATH)));
        }
        Map<String, String> atTwo = Map.of("n1", "ACTIVE 1, 2", "n2", "ACTIVE 1, 2", "n3", "ACTIVE 1, 2");
        assertEquals(atTwo, n3.nodeList());

        // 2 → 3: the KAR handed to n1 only; its bytes reach n2 and n3 through the cluster log
        long t = System.nanoTime();
        String three = n1.shell("cluster:upgrade --kar " + kar + " cutover-infra/3.0.0").orThrow("n1");
        System.out.printf("InfraThreeKarProcessIT: cluster:upgrade --kar in %d ms | %s%n",
                Duration.ofNanos(System.nanoTime() - t).toMillis(), three.strip().replace("\n", " | "));
        assertTrue(three, three.contains("DONE: upgrade to cutover-infra/3.0.0"));
        for (KarafNode node : nodes) {
            assertTrue(node.name + " capable: " + three, Pattern.compile("(?m)^" + node.name + "\\s+\\[#{10}\\]"
                    + " CAPABLE\\s+took KAR .*; installed cutover-infra/3.0.0 directly \\(framework \\d+ ms\\) in"
                    + " \\d+ ms; runs levels \\[1, 2, 3\\]").matcher(three).find());
            assertArrayEquals(node.name + " holds the operator's bundle bytes", entry(kar, BUNDLE_PATH),
                    Files.readAllBytes(bundleIn(node)));
        }
        awaitKvAt(3, 3);

        // level 3 in use: an atomic batch from n3, seen whole on n1
        String batch = n3.shell("kv:put-all batch-a=1 batch-b=2 batch-c=3").orThrow("n3");
        assertEquals("sent 3 keys as one batch", batch.strip());
        Await.until("n1 holding the batch", STATUS_TIMEOUT, () -> n1.shell("kv:get batch-b").output().strip(),
                "2"::equals);

        // 1.0.0 goes: 2.0.0 and 3.0.0 serve level 1 too
        String retired = n3.shell("cluster:upgrade --retire cutover-infra/1.0.0").orThrow("n3");
        assertTrue(retired, retired.contains("DONE: retirement of cutover-infra/1.0.0"));
        Map<String, String> atThree = Map.of("n1", "ACTIVE 1, 2, 3", "n2", "ACTIVE 1, 2, 3", "n3", "ACTIVE 1, 2, 3");
        Await.until("every node at levels 1, 2, 3", STATUS_TIMEOUT, n1::nodeList, atThree::equals);

        // the writers stop; every member applied every write, the batch's three included, in one order
        long total = 3;
        for (KarafNode writer : List.of(n1, n2)) {
            assertTrue(writer.client("kv:load --stop").contains("load: stopped"));
            total += KvStats.counter(writer.client("kv:stats"), "sent");
        }
        System.out.println("InfraThreeKarProcessIT: " + total + " writes in group kv");
        for (KarafNode node : nodes) {
            long expected = total;
            String stats = Await.until(node.name + " applied all " + total + " writes", STATUS_TIMEOUT,
                    () -> node.client("kv:stats"), out -> KvStats.counter(out, "applied") == expected);
            assertEquals(node.name + ": " + stats, total, KvStats.counter(stats, "entries"));
            assertEquals(node.name + ": " + stats, 0, KvStats.counter(stats, "lost"));
            assertEquals(node.name + ": " + stats, 0, KvStats.counter(stats, "duplicated"));
            assertEquals(node.name + ": " + stats, 0, KvStats.counter(stats, "reordered"));
        }
        String verified = n1.client("kv:verify");
        assertTrue("kv:verify at level 3: " + verified, verified.contains("all 3 members agree"));

        // n3 set up again with 1.0.0 only and without the KAR's files: it takes them from the log when it heals
        n3.stop(STATUS_TIMEOUT);
        n3.bootWithInfra("1.0.0", "cutover-example");
        KarafNode.deleteTree(n3.home.resolve("system/" + BUNDLE_PATH));
        KarafNode.deleteTree(n3.home.resolve("system/org/cutover/cutover-infra-3"));
        n3.start();
        String healed = Await.until("n3's kv member admitted at level 3", FORM_TIMEOUT, () -> n3.client("kv:stats"),
                out -> out.contains(", level 3, epoch 3,"));
        System.out.println("InfraThreeKarProcessIT: n3 healed | " + healed.strip().replace("\n", " | "));
        assertTrue("n3 healed from the log's KAR: " + n3.log(), n3.log().contains("healing level 3: took KAR"));
        assertArrayEquals(entry(kar, BUNDLE_PATH), Files.readAllBytes(bundleIn(n3)));
        assertEquals(total, KvStats.counter(n3.client("kv:stats"), "entries"));
    }

    private void awaitKvAt(int level, int epoch) {
        for (KarafNode node : nodes) {
            Await.until(node.name + " running kv at level " + level + ", epoch " + epoch, STATUS_TIMEOUT,
                    () -> node.client("kv:stats"), out -> out.contains(", level " + level + ", epoch " + epoch + ","));
        }
    }

    private static void assertPutAllRefused(KarafNode node, int level) {
        ShellResult r = node.shell("kv:put-all early=1");
        assertFalse("kv:put-all at level " + level + ": " + r, r.succeeded());
        assertTrue(r.output(), r.output().contains("FUNCTION_UNAVAILABLE: group kv is at level " + level
                + ", which does not bring the function 'atomic-batch'"));
    }

    /** the one infra 3.0.0 jar in the node's system/ */
    private static Path bundleIn(KarafNode node) throws IOException {
        try (var files = Files.walk(node.home.resolve("system/" + BUNDLE_PATH))) {
            return files.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
    }

    /** the bytes of the KAR's jar under repository/{@code dir} */
    private static byte[] entry(Path kar, String dir) throws IOException {
        try (InputStream in = Files.newInputStream(kar); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().startsWith("repository/" + dir + "/") && e.getName().endsWith(".jar")) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    zip.transferTo(out);
                    return out.toByteArray();
                }
            }
        }
        throw new AssertionError(kar + " holds no jar under " + dir);
    }
}
