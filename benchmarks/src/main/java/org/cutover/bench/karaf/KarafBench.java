package org.cutover.bench.karaf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.cutover.bench.stats.Json;
import org.cutover.bench.stats.Stats;
import org.cutover.launcher.KarafNode;
import org.cutover.launcher.LocalCluster;
import org.cutover.launcher.ShellResult;

/**
 * The figures of real Karaf processes (issue 12's "Measure"), on clusters the launcher starts, one size after the
 * other, each in a fresh folder under benchmarks/target:
 * <ul>
 * <li>the cluster-wide upgrade under kv load: {@code cluster:upgrade cutover-infra/2.0.0} from the command to
 * every node showing kv at level 2 (the automatic adjust), each node's install as it reported it in the log,
 * then back (downgrade, {@code --retire}, hold off) for the next round;</li>
 * <li>beside it, today's way: {@code feature:install cutover-infra/2.0.0} on one node (the shell round trip on an
 * open login), and restart mode ({@code restart node2 --infra 2.0.0} until its kv member is back);</li>
 * <li>kv writes per second in windows of at least 1 s, on node2, steady and during the upgrades;</li>
 * <li>the resident memory of an idle node; the adjust latency of the probe bundle beside its raw round trip.</li>
 * </ul>
 * Options: {@code --nodes 3,5 --rounds 7 (idle) --loaded-rounds 3 --baseline 10 --rate 400 --parts upgrade,adjust
 * --out FILE}; for the adjust part {@code --groups 1,10,100 --switches 200 --warmup 40}; part {@code delay} (not by
 * default: root, iptables, python3) {@code --delays 0,0.2,20 --delay-switches 100 --stream-count 5000}.
 */
public final class KarafBench {

    private static final Pattern NODE_TIME = Pattern.compile("\\((?:Karaf|framework) (\\d+) ms\\)");
    private static final Duration WAIT = Duration.ofSeconds(120);

    private final Path project;
    private final Path distribution;
    private final StringBuilder table = new StringBuilder();

    private KarafBench(Path project) throws IOException {
        this.project = project;
        try (var found = Files.newDirectoryStream(project.resolve("karaf-assembly/target"),
                "cutover-karaf-assembly-*.tar.gz")) {
            this.distribution = found.iterator().next();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path project = Path.of(System.getProperty("cutover.project", "..")).toAbsolutePath().normalize();
        KarafBench bench = new KarafBench(project);
        List<String> parts = List.of(o.getOrDefault("parts", "upgrade,adjust").split(","));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "7"));
        int baseline = Integer.parseInt(o.getOrDefault("baseline", "10"));
        int rate = Integer.parseInt(o.getOrDefault("rate", "400"));
        Path out = Path.of(o.getOrDefault("out", "target/karaf-results.json"));
        String loadStart = loadAverage();
        boolean failed = false;
        Json.Obj results = new Json.Obj().put("machine", new Json.Obj()
                .put("cores", Runtime.getRuntime().availableProcessors())
                .put("java", System.getProperty("java.version")).put("date", Instant.now().toString()));
        bench.table.append(String.format(Locale.ROOT, "Cutover on real Karaf nodes (loopback, %d cores, Java %s)%n"
                + "load average (1, 5, 15 min) at the start: %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), loadStart));
        if (parts.contains("upgrade")) {
            Json.Arr sizes = new Json.Arr();
            for (String n : o.getOrDefault("nodes", "3,5").split(",")) {
                try {
                    sizes.add(bench.upgrade(Integer.parseInt(n), rounds, Integer.parseInt(o.getOrDefault(
                            "loaded-rounds", "3")), baseline, rate));
                } catch (Exception e) {
                    // the other sizes still run; the table and the JSON say what failed
                    e.printStackTrace();
                    bench.table.append(String.format(Locale.ROOT, "%n%s nodes: FAILED: %s%n", n, e));
                    sizes.add(new Json.Obj().put("nodes", Integer.parseInt(n)).put("failed", e.toString()));
                    failed = true;
                }
            }
            results.put("upgrade", sizes);
        }
        if (parts.contains("adjust")) {
            results.put("adjust_latency", bench.adjust(o.getOrDefault("groups", "1,10,100"),
                    Integer.parseInt(o.getOrDefault("switches", "200")), Integer.parseInt(o.getOrDefault("warmup", "40"))));
        }
        if (parts.contains("delay")) {
            List<Double> delays = new java.util.ArrayList<>();
            for (String d : o.getOrDefault("delays", "0,0.2,20").split(",")) {
                delays.add(Double.parseDouble(d));
            }
            results.put("across_delay", bench.acrossDelay(delays,
                    Integer.parseInt(o.getOrDefault("delay-switches", "100")),
                    Long.parseLong(o.getOrDefault("stream-count", "5000"))));
        }
        String loadEnd = loadAverage();
        results.put("load_average_start", loadStart).put("load_average_end", loadEnd);
        bench.table.append(String.format(Locale.ROOT, "%nload average (1, 5, 15 min) at the end: %s; a figure measured "
                + "while it exceeded %d is noise, not a result%n", loadEnd, Runtime.getRuntime().availableProcessors()));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, Json.write(results, "") + "\n", StandardCharsets.UTF_8);
        Path tableFile = out.resolveSibling("karaf-table.txt");
        Files.writeString(tableFile, bench.table, StandardCharsets.UTF_8);
        System.out.print(bench.table);
        System.out.println("wrote " + out + " and " + tableFile);
        System.exit(failed ? 1 : 0);
    }

    private LocalCluster cluster(String name) throws IOException {
        Path root = project.resolve("benchmarks/target/karaf-run-" + name);
        LocalCluster cluster = new LocalCluster(root, distribution, new LocalCluster.Timeouts(Duration.ofSeconds(300),
                Duration.ofSeconds(60), WAIT));
        cluster.clean(line -> { });
        // Ctrl-C or a kill of the harness: its nodes go with it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cluster.nodes().forEach(KarafNode::close);
            } catch (IOException e) {
                System.err.println("could not stop the nodes under " + root + ": " + e);
            }
        }));
        return cluster;
    }

    private Json.Obj upgrade(int size, int rounds, int loadedRounds, int baseline, int rate) throws Exception {
        LocalCluster cluster = cluster(size + "-nodes");
        try {
            log("upgrade, " + size + " nodes: start");
            long t = System.nanoTime();
            List<KarafNode> nodes = cluster.start(size, KarafBench::log);
            double bootSeconds = (System.nanoTime() - t) / 1e9;
            KarafNode n1 = nodes.get(0);
            for (KarafNode n : nodes) {
                n.shell("feature:install cutover-example").orThrow(n.name);
            }
            LocalCluster.await("kv with a member on every node", WAIT, () -> LocalCluster.group(n1, "kv")
                    .map(g -> nodes.stream().allMatch(n -> g.hasMemberOn(n.name))).orElse(false), () -> "");
            Thread.sleep(5000);
            long rssMb = residentMb(nodes.get(nodes.size() - 1));

            // idle: the upgrade alone, as the target is set ("on an idle machine"), once the boot's load has gone
            String calmed = awaitCalm(Duration.ofSeconds(180));
            log("load average before the idle rounds: " + calmed);
            Rounds idle = rounds(nodes, rounds, null);
            String loadIdle = loadAverage();
            // today's way, on one node, while kv stays at level 1 (held, so that no adjust runs)
            n1.shell("cluster:version-hold on kv").orThrow(n1.name);
            List<Long> featureInstall = new ArrayList<>();
            List<Long> roundTrip = new ArrayList<>();
            for (int i = 0; i < baseline; i++) {
                long a = System.nanoTime();
                n1.shell("feature:install cutover-infra/2.0.0").orThrow(n1.name);
                featureInstall.add(System.nanoTime() - a);
                n1.shell("feature:uninstall cutover-infra/2.0.0").orThrow(n1.name);
                long b = System.nanoTime();
                n1.shell("cluster:node-list --no-format").orThrow(n1.name);
                roundTrip.add(System.nanoTime() - b);
                Thread.sleep(1000);
            }
            n1.shell("cluster:version-hold off kv").orThrow(n1.name);

            // under kv load: the writes per second around each upgrade against the steady rate before them
            KarafNode sampled = KarafNode.open(nodes.get(1).home).orElseThrow();
            Rounds loaded;
            List<WriteSampler.Sample> samples;
            long steadyFrom;
            long steadyTo;
            try (WriteSampler sampler = new WriteSampler(sampled, 500)) {
                n1.shell("kv:load --count " + rate * 3600 + " --rate " + rate).orThrow(n1.name);
                Thread.sleep(5000);
                steadyFrom = System.nanoTime();
                Thread.sleep(15000);
                steadyTo = System.nanoTime();
                loaded = rounds(nodes, loadedRounds, sampler);
                samples = sampler.samples();
            }
            String loadLoaded = loadAverage();
            long r0 = System.nanoTime();
            double restartSeconds;
            try {
                cluster.restart(nodes.get(1), "2.0.0", KarafBench::log);
                restartSeconds = (System.nanoTime() - r0) / 1e9;
            } catch (RuntimeException e) {
                // the other figures stand; the table says the restart failed
                log("restart mode failed: " + e.getMessage());
                restartSeconds = Double.NaN;
            }
            n1.shell("kv:load --stop");
            Map<String, String> counters = new LinkedHashMap<>();
            for (KarafNode n : nodes) {
                String stats = n.shell("kv:stats").orThrow(n.name);
                counters.put(n.name, stats.lines().filter(l -> l.matches("(applied|lost|duplicated|reordered):.*"))
                        .map(l -> l.replaceAll("\\s+", " ")).reduce((a, b) -> a + ", " + b).orElse(""));
            }

            double steady = WriteSampler.rate(samples, steadyFrom, steadyTo);
            double minDuring = Double.MAX_VALUE;
            for (long[] span : loaded.spans) {
                for (WriteSampler.Window w : WriteSampler.windows(samples, span[0] - 1_000_000_000L,
                        span[1] + 1_000_000_000L)) {
                    minDuring = Math.min(minDuring, w.perSecond());
                }
            }
            Stats upgrade = Stats.of(idle.upgrades);
            Stats install = Stats.of(idle.installs);
            Stats uninstall = Stats.of(idle.uninstalls);
            Stats upgradeLoaded = Stats.of(loaded.upgrades);
            Stats installLoaded = Stats.of(loaded.installs);
            Stats featureInstallStats = Stats.of(featureInstall);
            Stats rtt = Stats.of(roundTrip);
            table.append(String.format(Locale.ROOT, "%n%d nodes: cluster:upgrade cutover-infra/2.0.0, each round taken "
                    + "back by --downgrade and --retire; %d rounds idle (load average before: %s, after: %s), %d under "
                    + "kv load at %d writes/s (load average after: %s)%n", size, rounds, calmed, loadIdle, loadedRounds,
                    rate, loadLoaded));
            table.append(String.format(Locale.ROOT, "%-66s %9s %9s %9s %5s%n", "figure", "p50", "p99", "max", "n"));
            row("idle: cluster:upgrade, command -> kv at level 2 on every node (s)", upgrade, 1e9);
            row("  node-side install, as each node reported it (ms)", install, 1e6);
            row("  node-side uninstall in --retire (ms)", uninstall, 1e6);
            row("idle: feature:install cutover-infra/2.0.0 on node1, round trip (ms)", featureInstallStats, 1e6);
            row("  a plain command's round trip on the same login (ms)", rtt, 1e6);
            row("loaded: cluster:upgrade, command -> kv at level 2 everywhere (s)", upgradeLoaded, 1e9);
            row("  node-side install under load (ms)", installLoaded, 1e6);
            table.append(String.format(Locale.ROOT, "%-66s %9.1f%n", "restart node2 --infra 2.0.0 -> kv member back (s)",
                    restartSeconds));
            table.append(String.format(Locale.ROOT, "%-66s %9.1f%n", "kv writes applied on node2, steady (/s)", steady));
            table.append(String.format(Locale.ROOT, "%-66s %9.1f (%.0f %% of steady; target >= 80 %%)%n",
                    "  lowest 1 s window around the loaded upgrades (/s)", minDuring, 100 * minDuring / steady));
            table.append(String.format(Locale.ROOT, "%-66s %9.1f%n", "boot of " + size + " nodes into one view (s)",
                    bootSeconds));
            table.append(String.format(Locale.ROOT, "%-66s %9d%n", "idle node resident memory (MB)", rssMb));
            counters.forEach((node, c) -> table.append(String.format(Locale.ROOT, "  %s: %s%n", node, c)));
            Json.Obj result = new Json.Obj().put("nodes", size).put("rounds_idle", rounds).put("rounds_loaded", loadedRounds)
                    .put("load_average_before_idle", calmed).put("load_average_after_idle", loadIdle).put("load_average_after_loaded", loadLoaded)
                    .put("cluster_upgrade_seconds_idle", upgrade.toJson())
                    .put("node_install_idle", install.toJson()).put("node_uninstall_idle", uninstall.toJson())
                    .put("cluster_upgrade_seconds_loaded", upgradeLoaded.toJson())
                    .put("node_install_loaded", installLoaded.toJson())
                    .put("feature_install_round_trip", featureInstallStats.toJson())
                    .put("plain_command_round_trip", rtt.toJson())
                    .put("restart_seconds", restartSeconds)
                    .put("writes_steady_per_second", steady).put("writes_lowest_window_per_second", minDuring)
                    .put("boot_seconds", bootSeconds).put("idle_rss_mb", rssMb)
                    .put("kv_counters", counters.toString());
            cluster.clean(KarafBench::log);
            return result;
        } catch (Exception | Error e) {
            // the nodes' folders stay for a look (logs, thread dumps of a node that would not stop)
            cluster.stopAll(KarafBench::log);
            log("kept " + cluster.root() + " for inspection");
            throw e;
        }
    }

    /** what some rounds of upgrade and back measured */
    private record Rounds(List<Long> upgrades, List<Long> installs, List<Long> uninstalls, List<long[]> spans) {
    }

    /** {@code count} rounds of cluster:upgrade (timed to kv at level 2 on every node), each taken back */
    private static Rounds rounds(List<KarafNode> nodes, int count, WriteSampler sampler) throws Exception {
        KarafNode n1 = nodes.get(0);
        Rounds r = new Rounds(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 1; i <= count; i++) {
            long t0 = System.nanoTime();
            n1.shell("cluster:upgrade cutover-infra/2.0.0", Duration.ofMinutes(5)).orThrow(n1.name);
            awaitLevel(nodes, 2);
            long t1 = System.nanoTime();
            r.upgrades.add(t1 - t0);
            r.spans.add(new long[] {t0, t1});
            r.installs.addAll(nodeTimes(n1));
            Thread.sleep(2000);
            n1.shell("cluster:version-adjust --downgrade --to 1 kv").orThrow(n1.name);
            n1.shell("cluster:upgrade --retire cutover-infra/2.0.0", Duration.ofMinutes(5)).orThrow(n1.name);
            r.uninstalls.addAll(nodeTimes(n1));
            n1.shell("cluster:version-hold off kv").orThrow(n1.name);
            log(String.format(Locale.ROOT, "%s round %d: cluster-wide upgrade %.2f s", sampler == null ? "idle"
                    : "loaded", i, (t1 - t0) / 1e9));
            Thread.sleep(3000);
        }
        return r;
    }

    private void row(String what, Stats s, double unit) {
        table.append(String.format(Locale.ROOT, "%-62s %9.3f %9.3f %9.3f %6d%n", what, s.p50() / unit, s.p99() / unit,
                s.max() / unit, s.count()));
    }

    private static void awaitLevel(List<KarafNode> nodes, int level) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (KarafNode n : nodes) {
            while (!LocalCluster.group(n, "kv").map(g -> g.level() == level).orElse(false)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(n.name + " never showed kv at level " + level + ": "
                            + n.shell("cluster:group-list").output());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** each node's own time for its install or uninstall, as it reported it in the log */
    private static List<Long> nodeTimes(KarafNode seer) {
        List<Long> out = new ArrayList<>();
        Matcher m = NODE_TIME.matcher(seer.shell("cluster:upgrade-status --no-format").orThrow(seer.name));
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)) * 1_000_000L);
        }
        return out;
    }

    private Json.Obj adjust(String groups, int switches, int warmup) throws Exception {
        LocalCluster cluster = cluster("adjust");
        try {
            log("adjust latency: 3 nodes with cutover-infra/2.0.0 and the probe");
            List<KarafNode> nodes = cluster.start(3, KarafBench::log);
            nodes.get(0).shell("cluster:upgrade cutover-infra/2.0.0", Duration.ofMinutes(5)).orThrow("node1");
            Path probe = project.resolve("benchmarks/karaf-probe/target/org.cutover.bench.probe-1.0.0-SNAPSHOT.jar");
            for (KarafNode n : nodes) {
                n.shell("bundle:install -s file:" + probe).orThrow(n.name);
            }
            for (KarafNode n : nodes) {
                LocalCluster.await(n.name + ": bench:timeline", WAIT, () -> n.shell("bench:timeline").succeeded(),
                        () -> n.shell("bench:timeline").output());
            }
            Path file = project.resolve("benchmarks/target/karaf-adjust-latency.json");
            Files.deleteIfExists(file);
            ShellResult r = nodes.get(2).shell("bench:adjust-latency --groups " + groups + " --switches " + switches
                    + " --warmup " + warmup + " --out " + file, Duration.ofMinutes(20));
            String out = r.orThrow("node3");
            int from = out.indexOf("Adjust latency on");
            table.append(System.lineSeparator()).append(from >= 0 ? out.substring(from) : out);
            return new Json.Obj().put("file", file.toString()).put("nodes", 3);
        } finally {
            cluster.clean(KarafBench::log);
        }
    }

    /**
     * The cluster across a network with delay (issue 14 item 4): 3 nodes in namespaces of their own (as
     * {@code ./cutover start --hosts}), kv held, infrastructure 2.0.0 and the probe bundle on all. For each delay
     * every packet every node sends is held that long ({@code ./cutover net delay}; 0: no queue), so a message
     * between two nodes takes it once and a round trip twice; then, in this order:
     * <ul>
     * <li>{@code switches} adjusts of kv up and down from node3, each timed by the node from sending to every
     * member's confirmation (the history's Duration);</li>
     * <li>throughput at 1 KB: each node streams {@code streamCount} messages to group stream-1k with
     * {@code Group.sendAsync} at once; msgs/s = all 3N over the time from the first node's start to the last
     * delivery on any node (the nodes' own clocks, one monotonic clock on this machine);</li>
     * <li>a cut: node2 cut off from node1 and node3 (the delays stay), timed until node1 and node3 show it not
     * ACTIVE and it shows them not ACTIVE (failure detection by heartbeats: FD_ALL3); then the cut's end, timed until
     * every node shows every node ACTIVE and kv with 3 members (the merge);</li>
     * <li>a dead node: node2's kill -9, timed until node1 and node3 show it not ACTIVE (its closed sockets: FD_SOCK2);
     * then it starts again.</li>
     * </ul>
     * Times seen from outside are polls over ssh, one every 0.1-0.5 s. Each figure's baseline is its own 0 ms row,
     * and the 0.001 ms row (the queue without delay) separates what the delay program costs from the delay. The
     * probe's {@code bench:adjust-latency} (with its raw baseline) is left out: it wants the bench groups alone in
     * the cluster and adjusts them all with {@code --all}, while kv and stream-1k live here.
     */
    private Json.Obj acrossDelay(List<Double> delays, int switches, long streamCount) throws Exception {
        LocalCluster cluster = cluster("delay");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            log("the cluster under delay " + delays + " ms: 3 nodes on hosts of their own");
            List<KarafNode> nodes = new ArrayList<>(cluster.start(3, true, KarafBench::log));
            Path probe = project.resolve("benchmarks/karaf-probe/target/org.cutover.bench.probe-1.0.0-SNAPSHOT.jar");
            for (KarafNode n : nodes) {
                n.installFeature("cutover-example");
                n.shell("bundle:install -s file:" + probe).orThrow(n.name);
            }
            KarafNode n1 = nodes.get(0);
            LocalCluster.await("kv with a member on every node", WAIT, () -> LocalCluster.group(n1, "kv")
                    .map(g -> g.members().size() == 3).orElse(false), () -> LocalCluster.groups(n1).toString());
            n1.shell("cluster:version-hold on kv").orThrow(n1.name);
            n1.shell("cluster:upgrade cutover-infra/2.0.0", Duration.ofMinutes(5)).orThrow(n1.name);
            org.cutover.launcher.PrivateNetwork net = cluster.network().orElseThrow();
            StringBuilder adjustTable = new StringBuilder(String.format(Locale.ROOT, "%nAdjust of kv across a delayed"
                    + " network (3 nodes in namespaces, %d adjusts per delay, from sending to every member's"
                    + " confirmation)%n%-10s %9s %9s %9s %9s %9s  %s%n", switches, "delay", "p50 ms", "p90 ms",
                    "p99 ms", "max ms", "mean ms", "load (1, 5, 15 min) before .. after"));
            StringBuilder otherTable = new StringBuilder(String.format(Locale.ROOT, "%nThe same cluster: throughput"
                    + " of 1 KB messages (each node streams %d with sendAsync), failure detection, merge%n%-10s %10s"
                    + " %8s %14s %14s %14s  %s%n", streamCount, "delay", "msgs/s", "MB/s", "cut seen s",
                    "merged s", "dead seen s", "load before .. after"));
            Json.Arr runs = new Json.Arr();
            int level = LocalCluster.group(nodes.get(2), "kv").orElseThrow().level();
            for (double delay : delays) {
                for (KarafNode n : nodes) {
                    net.delay(n.name, delay, 0, 0);
                }
                String load = awaitCalm(Duration.ofMinutes(3));
                KarafNode n3 = nodes.get(2);
                int before = adjustMillis(n3).size();
                for (int i = 0; i < switches; i++) {
                    int to = level == 1 ? 2 : 1;
                    n3.shell("cluster:version-adjust --to " + to + (to == 1 ? " --downgrade" : "") + " kv")
                            .orThrow(n3.name);
                    level = to;
                }
                List<Double> ms = new ArrayList<>(adjustMillis(n3));
                ms = new ArrayList<>(ms.subList(before, ms.size()));
                java.util.Collections.sort(ms);
                double mean = ms.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                double p50 = ms.get(ms.size() / 2);
                double p90 = ms.get((int) Math.ceil(ms.size() * 0.9) - 1);
                double p99 = ms.get((int) Math.ceil(ms.size() * 0.99) - 1);
                double max = ms.get(ms.size() - 1);
                String adjustLoad = loadAverage();
                adjustTable.append(String.format(Locale.ROOT, "%-10s %9.2f %9.2f %9.2f %9.2f %9.2f  %s .. %s%n",
                        delay + " ms", p50, p90, p99, max, mean, load, adjustLoad));
                log("delay " + delay + " ms: adjust p50 " + p50 + " ms, p99 " + p99 + " ms");

                double perSecond;
                String streamFailure = "";
                try {
                    perSecond = stream(nodes, pool, streamCount);
                    log("delay " + delay + " ms: " + Math.round(perSecond) + " msgs/s at 1 KB");
                } catch (RuntimeException e) {
                    // the row says it; the cut and the dead node are still measured
                    perSecond = Double.NaN;
                    streamFailure = e.getMessage();
                    log("delay " + delay + " ms: the stream FAILED: " + streamFailure);
                }
                String streamLoad = loadAverage();

                // a cut of node2, then its end
                KarafNode n2 = nodes.get(1);
                List<KarafNode> others = List.of(nodes.get(0), n3);
                long t = System.nanoTime();
                net.partition(List.of(List.of(n2.name), List.of(nodes.get(0).name, n3.name)));
                LocalCluster.await("node1 and node3 seeing node2 gone, node2 seeing them gone", Duration.ofMinutes(2),
                        () -> {
                            if (others.stream().anyMatch(n -> n.nodeList().getOrDefault(n2.name, "").startsWith(
                                    "ACTIVE"))) {
                                return false;
                            }
                            Map<String, String> seenByN2 = n2.nodeList(); // one ssh round per poll
                            return others.stream().noneMatch(n -> seenByN2.getOrDefault(n.name, "")
                                    .startsWith("ACTIVE"));
                        }, () -> views(nodes));
                double cutSeen = (System.nanoTime() - t) / 1e9;
                t = System.nanoTime();
                net.endPartition();
                awaitWhole(nodes, Duration.ofMinutes(2));
                double merged = (System.nanoTime() - t) / 1e9;
                log("delay " + delay + " ms: cut seen in " + cutSeen + " s, merged in " + merged + " s");

                // a dead node, then its restart
                t = System.nanoTime();
                n2.kill9();
                LocalCluster.await("node1 and node3 seeing the killed node2 gone", Duration.ofMinutes(2),
                        () -> others.stream().allMatch(n -> !n.nodeList().getOrDefault(n2.name, "").startsWith(
                                "ACTIVE")), () -> views(others));
                double deadSeen = (System.nanoTime() - t) / 1e9;
                log("delay " + delay + " ms: dead node seen in " + deadSeen + " s");
                String endLoad = loadAverage();
                List<KarafNode> restarted = cluster.start(3, true, KarafBench::log);
                nodes.clear();
                nodes.addAll(restarted);
                awaitWhole(nodes, Duration.ofMinutes(3));
                otherTable.append(String.format(Locale.ROOT, "%-10s %10.0f %8.1f %14.1f %14.1f %14.2f  %s .. %s%n",
                        delay + " ms", perSecond, perSecond * 1024 / 1e6, cutSeen, merged, deadSeen, adjustLoad,
                        endLoad)).append(streamFailure.isEmpty() ? "" : "    the stream FAILED: " + streamFailure
                        + System.lineSeparator());
                runs.add(new Json.Obj().put("delay_ms", delay).put("adjusts", ms.size()).put("p50_ms", p50)
                        .put("p90_ms", p90).put("p99_ms", p99).put("max_ms", max).put("mean_ms", mean)
                        .put("stream_msgs_per_s", Double.isNaN(perSecond) ? null : perSecond)
                        .put("stream_failure", streamFailure).put("cut_seen_s", cutSeen).put("merged_s", merged)
                        .put("dead_seen_s", deadSeen).put("load_start", load).put("load_after_adjusts", adjustLoad)
                        .put("load_after_stream", streamLoad).put("load_end", endLoad));
            }
            net.heal();
            table.append(adjustTable).append(otherTable);
            return new Json.Obj().put("runs", runs).put("nodes", 3).put("stream_messages_per_node", streamCount);
        } catch (Exception | AssertionError e) {
            keepEvidence(cluster, "delay");
            throw e;
        } finally {
            pool.shutdownNow();
            cluster.clean(KarafBench::log);
        }
    }

    /** each node's log and, if it runs, its threads, to benchmarks/target/failed-PART/ before the folder goes */
    private void keepEvidence(LocalCluster cluster, String part) {
        Path to = project.resolve("benchmarks/target/failed-" + part);
        try {
            Files.createDirectories(to);
            for (KarafNode n : cluster.nodes()) {
                if (n.isAlive()) {
                    Path threads = n.dumpThreads();
                    Files.copy(threads, to.resolve(n.name + "-threads.txt"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                Path log = n.home.resolve("data/log/karaf.log");
                if (Files.exists(log)) {
                    Files.copy(log, to.resolve(n.name + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            log("the nodes' logs and threads are in " + to);
        } catch (IOException | RuntimeException e) {
            log("could not keep the nodes' logs and threads in " + to + ": " + e);
        }
    }

    /**
     * Every node streams {@code count} 1 KB messages to stream-1k at once; msgs/s over all of them, from the first
     * start to the last delivery, once every member has delivered all
     */
    private static double stream(List<KarafNode> nodes, java.util.concurrent.ExecutorService pool, long count)
            throws Exception {
        for (KarafNode n : nodes) {
            n.shell("bench:stream-join").orThrow(n.name);
        }
        LocalCluster.await("stream-1k with a member on every node", WAIT, () -> nodes.stream().allMatch(
                n -> LocalCluster.group(n, "stream-1k").map(g -> g.members().size() == nodes.size()).orElse(false)),
                () -> LocalCluster.groups(nodes.get(0)).toString());
        List<java.util.concurrent.Future<String>> started = new ArrayList<>();
        for (KarafNode n : nodes) {
            started.add(pool.submit(() -> n.shell("bench:stream-send --count " + count + " --size 1024")
                    .orThrow(n.name)));
        }
        long firstStart = Long.MAX_VALUE;
        for (java.util.concurrent.Future<String> f : started) {
            firstStart = Math.min(firstStart, Long.parseLong(f.get().strip().split("\\s+")[1]));
        }
        long total = count * nodes.size();
        String[] last = new String[nodes.size()];
        LocalCluster.await("every member delivering all " + total + " streamed messages", Duration.ofMinutes(5),
                () -> {
                    for (int i = 0; i < nodes.size(); i++) {
                        last[i] = nodes.get(i).shell("bench:stream-count").orThrow(nodes.get(i).name).strip();
                        if (last[i].contains("failed ") && !last[i].contains("failed 0")) {
                            throw new IllegalStateException(nodes.get(i).name + ": " + last[i]);
                        }
                    }
                    return java.util.Arrays.stream(last).allMatch(l -> l.startsWith("delivered " + total + " "));
                }, () -> String.join("; ", last));
        long lastDelivery = java.util.Arrays.stream(last).mapToLong(l -> Long.parseLong(l.split(" ")[5])).max()
                .orElseThrow();
        return total / ((lastDelivery - firstStart) / 1e9);
    }

    /** until every node shows every node ACTIVE and kv with a member on each */
    private static void awaitWhole(List<KarafNode> nodes, Duration max) {
        LocalCluster.await("every node ACTIVE on every node, kv with " + nodes.size() + " members", max,
                () -> nodes.stream().allMatch(n -> n.nodeList().values().stream().filter(v -> v.startsWith("ACTIVE"))
                        .count() == nodes.size() && LocalCluster.group(n, "kv").map(g -> g.members().size()
                        == nodes.size()).orElse(false)), () -> views(nodes));
    }

    private static String views(List<KarafNode> nodes) {
        StringBuilder b = new StringBuilder();
        for (KarafNode n : nodes) {
            try {
                b.append(n.name).append(": ").append(n.nodeList()).append("; ");
            } catch (RuntimeException e) {
                b.append(n.name).append(": ").append(e.getMessage()).append("; ");
            }
        }
        return b.toString();
    }

    /** the durations of the applied kv adjusts in the node's history, oldest first, in ms */
    private static List<Double> adjustMillis(KarafNode node) {
        List<Double> ms = new java.util.ArrayList<>();
        for (String line : node.shell("cluster:version-history --no-format").orThrow(node.name).split("\\R")) {
            String[] f = line.split("\t");
            if (f.length >= 8 && f[2].strip().equals("kv") && f[7].strip().equals("APPLIED")) {
                String[] d = f[6].strip().split(" ");
                if (d.length == 2) {
                    ms.add(Double.parseDouble(d[0]) * (d[1].equals("s") ? 1000 : 1));
                }
            }
        }
        return ms;
    }

    private static long residentMb(KarafNode node) throws IOException {
        long pid = node.pid().orElseThrow();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    /** waits until the 1-minute load average is below the core count, at most {@code max}; the last one read */
    private static String awaitCalm(Duration max) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        String load = loadAverage();
        while (Double.parseDouble(load.split(" ")[0]) >= Runtime.getRuntime().availableProcessors()
                && System.nanoTime() < deadline) {
            Thread.sleep(5000);
            load = loadAverage();
        }
        return load;
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static void log(String line) {
        System.err.println("[" + Instant.now().toString().substring(11, 19) + "] " + line);
    }
}
