package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.cutover.launcher.ClusterTables;
import org.cutover.launcher.ClusterTables.NodeRow;
import org.cutover.launcher.KarafNode;
import org.cutover.launcher.KvStats;
import org.junit.After;
import org.junit.Test;

/**
 * Issue 14 with {@code ./cutover} as typed: three real Karaf processes, each in a network namespace of its own
 * with its own address on a private bridge ({@code start 3 --hosts}), find each other by DNS (DNS_PING asking
 * dnsmasq on the bridge for SRV records), form one cluster over those addresses and
 * upgrade to infrastructure 2.0.0. The kernel cuts node3 off ({@code net partition 1,2 3}: blackhole routes): the
 * majority sees it PARTITIONED and goes on writing, node3's write is refused GROUP_PARTITIONED. After {@code net
 * heal} every node is ACTIVE again, node3's store joins group kv again, and every member holds the same map with
 * nothing acknowledged lost. Bad network input on the running node3 (etc/org.cutover.node.cfg edited: a dns.query
 * that names no one, a bind.address that is node1's) stops its cluster node, which does not start again: its log
 * names the setting and the others see it gone. {@code clean} leaves no process, namespace or bridge.
 */
public class MultiHostProcessIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private final Path run = CutoverKarafOptions.itestDir().toPath().resolve("hosts-run").toAbsolutePath();
    private final CutoverScript script = new CutoverScript(run);

    @Test
    public void nodesOnTheirOwnAddressesSurviveAPartitionMadeByTheKernel() throws Exception {
        script.run("clean"); // what a failed earlier run left
        CutoverScript.Result start = script.run("start", "3", "--hosts");
        assertEquals(start.output(), 0, start.status());
        Matcher network = Pattern.compile("network (cbr-cut\\d+): 10\\.213\\.(\\d+)\\.0/24").matcher(start.output());
        assertTrue(start.output(), network.find());
        String bridge = network.group(1);
        String subnet = network.group(2);
        assertTrue(start.output(), start.output().contains("all 3 nodes ACTIVE in one view"));
        // the nodes found each other by DNS: DNS_PING asked dnsmasq on the bridge for the SRV records
        String dnsLog = Files.readString(run.resolve("dnsmasq.log"), StandardCharsets.UTF_8);
        for (int i = 1; i <= 3; i++) {
            assertTrue("node" + i + " asked the DNS: " + dnsLog, dnsLog.contains("query[SRV] _cutover._tcp.cutover.test"
                    + " from 10.213." + subnet + "." + (10 + i)));
        }
        long dnsPid = Long.parseLong(Files.readString(run.resolve("dnsmasq.pid"), StandardCharsets.UTF_8).strip());
        CutoverScript.Result status = script.run("status");
        for (int i = 1; i <= 3; i++) {
            assertTrue(status.output(), Pattern.compile("(?m)^node" + i + "\\s+running\\s+\\d+\\s+10\\.213\\."
                    + subnet + "\\." + (10 + i) + "\\s").matcher(status.output()).find());
        }
        for (int i = 1; i <= 3; i++) {
            KarafNode.open(run.resolve("node" + i)).orElseThrow().installFeature("cutover-example");
        }
        CutoverScript.Result upgrade = script.run("upgrade", "cutover-infra/2.0.0");
        assertEquals(upgrade.output(), 0, upgrade.status());
        for (int i = 1; i <= 3; i++) {
            int node = i;
            Await.until("node" + i + "'s kv member at level 2", WAIT, () -> shell(node, "kv:stats"),
                    out -> out.contains(", level 2, epoch 2, 3 members"));
        }
        for (int k = 0; k < 50; k++) {
            shell(1 + k % 2, "kv:put before-" + k + " x");
        }

        long cut = System.nanoTime();
        CutoverScript.Result partition = script.run("net", "partition", "1,2", "3");
        assertEquals(partition.output(), 0, partition.status());
        assertTrue(script.run("net", "status").output().contains("cut off from 10.213." + subnet + ".13"));
        Await.until("node1 seeing node3 PARTITIONED", WAIT, () -> nodes(1),
                rows -> rows.get("node3").startsWith("PARTITIONED"));
        long detected = Duration.ofNanos(System.nanoTime() - cut).toMillis();
        // node3 detects the cut on its own timers: until then it may still count on the old view's leader, and a
        // write there ends NOT_CONNECTED ("it may still be") after 10 s instead of GROUP_PARTITIONED (seen in CI)
        Await.until("node3 seeing node1 and node2 gone", WAIT, () -> nodes(3),
                rows -> !rows.get("node1").startsWith("ACTIVE") && !rows.get("node2").startsWith("ACTIVE"));
        CutoverScript.Result minority = script.run("shell", "3", "kv:put minority x");
        assertNotEquals("a write on the minority: " + minority.output(), 0, minority.status());
        assertTrue(minority.output(), minority.output().contains("GROUP_PARTITIONED"));
        // the majority writes on once it has a leader (node3 may have led the log: then the two elect one)
        Await.until("a write on the majority", WAIT, () -> exitOf(1, "kv:put during-0 x"), exit -> exit == 0);
        for (int k = 1; k < 50; k++) {
            shell(1 + k % 2, "kv:put during-" + k + " x");
        }

        long heal = System.nanoTime();
        assertEquals(0, script.run("net", "heal").status());
        for (int i = 1; i <= 3; i++) {
            int node = i;
            Await.until("node" + i + " seeing every node ACTIVE", WAIT, () -> nodes(node),
                    rows -> rows.values().stream().allMatch(r -> r.startsWith("ACTIVE")));
        }
        Await.until("node3's store back in kv", WAIT, () -> shell(3, "kv:stats"),
                out -> out.contains(", 3 members"));
        long converged = Duration.ofNanos(System.nanoTime() - heal).toMillis();
        System.out.printf("MultiHostProcessIT: node3 PARTITIONED %d ms after the cut; every node ACTIVE and node3's"
                + " kv member back %d ms after the heal%n", detected, converged);

        shell(3, "kv:put after-0 x");
        // every acknowledged write, each a key of its own: 50 before the cut, 50 on the majority, 1 after the heal
        long acknowledged = KvStats.counter(shell(1, "kv:stats"), "sent") + KvStats.counter(shell(2, "kv:stats"),
                "sent") + KvStats.counter(shell(3, "kv:stats"), "sent");
        assertEquals(101, acknowledged);
        for (int i = 1; i <= 3; i++) {
            int node = i;
            String stats = Await.until("node" + i + " holding all " + acknowledged + " writes", WAIT,
                    () -> shell(node, "kv:stats"), out -> KvStats.counter(out, "entries") == acknowledged);
            assertEquals(stats, 0, KvStats.counter(stats, "lost"));
            assertEquals(stats, 0, KvStats.counter(stats, "duplicated"));
            assertEquals(stats, 0, KvStats.counter(stats, "reordered"));
        }
        String verified = shell(2, "kv:verify");
        assertTrue(verified, verified.contains("all 3 members agree"));

        // bad network input on a running process, set as an operator would: node3 leaves and does not start its
        // cluster node again, its log names the setting, the others see it gone; put back, it joins again
        String query = held(configuration(3), "dns.query");
        refusedSetting(3, Map.of("dns.wait.ms", "2000", "dns.query", "nosuch.cutover.test"),
                "dns.query 'nosuch.cutover.test' (SRV) has no records at dns.address");
        edit(3, Map.of("dns.query", query));
        Await.until("node1 seeing node3 ACTIVE again", WAIT, () -> nodes(1),
                rows -> rows.get("node3").startsWith("ACTIVE"));
        refusedSetting(3, Map.of("bind.address", "10.213." + subnet + ".11"), "bind.address '10.213."
                + subnet + ".11' (etc/org.cutover.node.cfg, or the system property cutover.bind_addr) is 10.213."
                + subnet + ".11, not an address of this machine");

        CutoverScript.Result clean = script.run("clean");
        assertEquals(clean.output(), 0, clean.status());
        assertFalse("clean removed " + run, Files.exists(run));
        assertEquals("no node JVM left", List.of(), script.karafProcesses());
        assertFalse("no namespace left: " + ip("netns", "list"), ip("netns", "list").contains("cut" + subnet + "-"));
        assertFalse("no bridge left", ip("link", "show").contains(bridge));
        assertFalse("no DNS server left", ProcessHandle.of(dnsPid).map(ProcessHandle::isAlive).orElse(false));
    }

    @After
    public void removeWhatWasStarted() throws Exception {
        if (Files.exists(run)) {
            Path logs = CutoverKarafOptions.itestDir().toPath().resolve("hosts-logs");
            Files.createDirectories(logs);
            for (int i = 1; i <= 3; i++) {
                Path log = run.resolve("node" + i + "/data/log/karaf.log");
                if (Files.exists(log)) {
                    Files.copy(log, logs.resolve("node" + i + ".log"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            script.run("clean");
        }
    }

    /**
     * {@code settings} applied at once to org.cutover.node on the node: its cluster node stops and fails to start
     * again with {@code message} in its log, and node1 sees it gone
     */
    private void refusedSetting(int node, Map<String, String> settings, String message)
            throws IOException, InterruptedException {
        Path log = run.resolve("node" + node + "/data/log/karaf.log");
        long logged = Files.size(log);
        edit(node, settings);
        try {
            Await.until("node" + node + "'s log naming the setting", WAIT, () -> {
                try {
                    return Files.readString(log, StandardCharsets.UTF_8).substring((int) logged);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, text -> text.contains(message));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nwith the configuration: "
                    + configuration(node), e);
        }
        Await.until("node1 seeing node" + node + " gone", WAIT, () -> nodes(1),
                rows -> !rows.getOrDefault("node" + node, "").startsWith("ACTIVE"));
        String list = script.run("shell", String.valueOf(node), "cluster:node-list").output();
        assertFalse("node" + node + " has no cluster node of its own: " + list, list.contains("ACTIVE"));
    }

    /**
     * The node's etc/org.cutover.node.cfg with {@code settings} in place of its lines, replaced in one rename as an
     * editor saves it, then held by its Configuration Admin within 15 s. The test reads the configuration with
     * config:list, which asks Configuration Admin and writes nothing. Not config:property-get -p: Karaf 4.4.10 writes
     * the configuration as it reads it from the file back into the file, in place, each time that command runs
     * (measured: the file's time moves), and this test polled with it: fileinstall read the file meanwhile, empty,
     * and handed the node a configuration without keys (CI, 2026-12-06), or the values read before an edit went back
     * over it (CI, 2026-12-04). config:property-list -p reads the file, not Configuration Admin.
     */
    private void edit(int node, Map<String, String> settings) throws IOException, InterruptedException {
        Path cfg = run.resolve("node" + node + "/etc/org.cutover.node.cfg");
        String text = Files.readString(cfg, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> s : settings.entrySet()) {
            Matcher line = Pattern.compile("(?m)^" + Pattern.quote(s.getKey()) + " = .*$").matcher(text);
            assertTrue(s.getKey() + " in " + cfg + ", which holds:\n" + text, line.find());
            text = line.replaceFirst(Matcher.quoteReplacement(s.getKey() + " = " + s.getValue()));
        }
        Path next = cfg.resolveSibling("org.cutover.node.cfg.next");
        Files.writeString(next, text, StandardCharsets.UTF_8);
        Files.move(next, cfg, StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        for (String held = configuration(node); !holds(held, settings); held = configuration(node)) {
            assertTrue("node" + node + "'s configuration holds " + settings + " within 15 s; it holds:\n" + held
                    + "\nits file:\n" + Files.readString(cfg, StandardCharsets.UTF_8), System.nanoTime() < deadline);
            Thread.sleep(500);
        }
    }

    /** the org.cutover.node configuration the node's Configuration Admin holds, as config:list prints it */
    private String configuration(int node) {
        return shell(node, "config:list \"(service.pid=org.cutover.node)\"");
    }

    private static boolean holds(String list, Map<String, String> settings) {
        return settings.entrySet().stream().allMatch(s -> held(list, s.getKey()).equals(s.getValue()));
    }

    /** the value of {@code key} in config:list's output, "" if it has none */
    private static String held(String list, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + " = (.*)$").matcher(list);
        return m.find() ? m.group(1).strip() : "";
    }

    private String shell(int node, String command) {
        try {
            CutoverScript.Result r = script.run("shell", String.valueOf(node), command);
            if (r.status() != 0) {
                throw new AssertionError("node" + node + ": " + command + ": " + r.output());
            }
            return r.output();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private int exitOf(int node, String command) {
        try {
            return script.run("shell", String.valueOf(node), command).status();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private Map<String, String> nodes(int node) {
        return ClusterTables.nodes(shell(node, "cluster:node-list --no-format")).stream()
                .collect(Collectors.toMap(NodeRow::name, r -> r.status() + " " + r.levels()));
    }

    private static String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
