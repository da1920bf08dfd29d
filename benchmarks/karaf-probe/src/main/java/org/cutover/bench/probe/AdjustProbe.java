package org.cutover.bench.probe;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.cutover.api.ClusterService;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.Member;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.cutover.bench.stats.Json;
import org.cutover.bench.stats.Stats;
import org.cutover.bench.stats.SwitchSeries;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The benchmark probe of one Karaf node. On every node it opens a raw JChannel from the node's stack file on the
 * node's JGroups port + {@code raw.port.offset} (the baseline), and holds members in bench groups when asked. On the
 * node where {@code bench:adjust-latency} runs it measures {@code VersionService.adjust} beside the raw ordered round
 * trip, interleaved in blocks like the in-JVM harness ({@code org.cutover.bench.AdjustBench}), so the noise of a
 * shared machine falls on both alike.
 */
@Component(service = AdjustProbe.class, immediate = true, configurationPid = "org.cutover.bench.probe")
public class AdjustProbe {

    /** configuration (PID org.cutover.bench.probe), all optional */
    public @interface Config {
        /**
         * the raw channel listens on the node's cutover.bind_port plus this; its peers likewise. Not 100: FD_SOCK2
         * listens on its transport's port + 100 (its default offset), so +100 collided with the node's own
         * FD_SOCK2 ("No available port to bind to", seen on the first try)
         */
        int raw_port_offset() default 50;

        /** the node's JGroups stack file; empty: ${karaf.etc}/cutover-jgroups.xml, the one core uses */
        String stack_file() default "";
    }

    record Options(int[] groupCounts, int switches, int warmup, int block, int nodes) {
    }

    /** one measured scenario: named or --all, on the cluster's current bench groups */
    private static final class Scenario {
        final String name;
        final int groups;
        final boolean all;
        final SwitchSeries series;

        Scenario(String name, int groups, boolean all, int high) {
            this.name = name;
            this.groups = groups;
            this.all = all;
            this.series = new SwitchSeries(all, BenchGroups.PREFIX + "0", high);
        }
    }

    private static final long PING_TIMEOUT_MS = 5_000;
    private static final long WAIT_MS = 120_000;

    private final GroupService groupService;
    private final VersionService versionService;
    private final ClusterService clusterService;
    private final BenchGroups benchGroups;
    private final RawProbeChannel raw;
    private final Thread connector;
    private volatile Exception connectFailure;
    private long requestIds;

    @Activate
    public AdjustProbe(Config config, BundleContext context,
                       @Reference(policyOption = ReferencePolicyOption.GREEDY) GroupService groupService,
                       @Reference(policyOption = ReferencePolicyOption.GREEDY) VersionService versionService,
                       @Reference(policyOption = ReferencePolicyOption.GREEDY) ClusterService clusterService)
            throws Exception {
        this.groupService = groupService;
        this.versionService = versionService;
        this.clusterService = clusterService;
        this.benchGroups = new BenchGroups(groupService);
        String etc = context.getProperty("karaf.etc");
        Path stack = config.stack_file().isBlank() ? Path.of(etc == null ? "etc" : etc, "cutover-jgroups.xml")
                : Path.of(config.stack_file());
        // ./cutover starts every node with these system properties (EXTRA_JAVA_OPTS)
        int port = Integer.parseInt(required("cutover.bind_port")) + config.raw_port_offset();
        String hosts = RawProbeChannel.shiftPorts(peers(), config.raw_port_offset());
        String cluster = System.getProperty("cutover.cluster.name", "cutover") + "-bench-raw";
        // the node's mutual TLS context is core's, inside its bundle: the raw baseline runs the same stack on
        // plain TCP (docs/performance.md gives the TLS cost measured in one JVM, BENCH_TLS=1)
        String xml = Files.readString(stack).replace("tls.enabled=\"true\"", "tls.enabled=\"false\"");
        raw = new RawProbeChannel(xml, port, hosts, clusterService.localNode(), benchGroups::hold);
        // connecting blocks for the GMS join time-out when this node is the first: not on the DS activation path
        connector = new Thread(() -> {
            try {
                raw.connect(cluster);
            } catch (Exception e) {
                connectFailure = e;
                System.err.println("cutover bench probe: raw channel on port " + port + " did not connect: " + e);
            }
        }, "cutover-bench-probe-connect");
        connector.setDaemon(true);
        connector.start();
    }

    /**
     * every node's JGroups host[port]: the TCPPING list ./cutover sets, or, for nodes that find each other by DNS
     * (./cutover start --hosts), the SRV records of their query, asked as DNS_PING asks
     */
    private static String peers() throws javax.naming.NamingException {
        String hosts = System.getProperty("cutover.initial_hosts", "");
        if (!hosts.isBlank()) {
            return hosts;
        }
        String query = required("cutover.dns_query");
        String server = System.getProperty("cutover.dns_address", "").strip();
        String factory = "com.sun.jndi.dns.DnsContextFactory";
        org.jgroups.protocols.dns.DefaultDNSResolver resolver = server.isEmpty()
                ? new org.jgroups.protocols.dns.DefaultDNSResolver(factory, null)
                : new org.jgroups.protocols.dns.AddressedDNSResolver(factory, server);
        try {
            return resolver.resolveIps(query, org.jgroups.protocols.dns.DNSResolver.DNSRecordType.SRV).stream()
                    .map(a -> (org.jgroups.stack.IpAddress) a)
                    .map(a -> a.getIpAddress().getHostAddress() + "[" + a.getPort() + "]")
                    .collect(Collectors.joining(","));
        } finally {
            resolver.close();
        }
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set (core sets it at start)");
        }
        return v;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            benchGroups.leaveAll();
        } finally {
            connector.join(10_000);
            raw.close();
        }
    }

    synchronized void measure(Options o, Path jsonFile, PrintStream out) throws Exception {
        if (o.block() <= 0 || o.block() % 2 != 0) {
            throw new IllegalArgumentException("--block must be even (each block ends at the level it began)");
        }
        String loadAtStart = loadAverage();
        long started = System.nanoTime();
        awaitRawView(o.nodes());
        out.printf("raw channel %s, view %s%n", raw.name(), raw.view());
        Json.Arr phasesJson = new Json.Arr();
        List<Long> rawAll = new ArrayList<>();
        List<String> table = new ArrayList<>();
        long pingId = 0;
        int rawTimeouts = 0;
        for (int g : o.groupCounts()) {
            long t0 = System.nanoTime();
            Map<String, String> held = raw.holdGroupsEverywhere(++requestIds, g, WAIT_MS);
            if (held.values().stream().anyMatch(v -> !v.equals("ok"))) {
                throw new IllegalStateException("holding " + g + " bench groups failed: " + held);
            }
            int high = awaitGroups(g, o.nodes());
            out.printf(Locale.ROOT, "%d bench groups with a member on each of %d nodes in %.1f s%n", g, o.nodes(),
                    (System.nanoTime() - t0) / 1e9);
            List<Scenario> scenarios = new ArrayList<>();
            if (g == 1) {
                scenarios.add(new Scenario("named 1 group", 1, false, high));
            }
            scenarios.add(new Scenario("--all " + g + " groups", g, true, high));

            List<Long> rawTimes = new ArrayList<>();
            List<Integer> blocks = new ArrayList<>();
            for (int left = o.warmup(); left > 0; left -= o.block()) {
                blocks.add(-Math.min(o.block(), left)); // negative: warm-up
            }
            for (int left = o.switches(); left > 0; left -= o.block()) {
                blocks.add(Math.min(o.block(), left));
            }
            for (int b : blocks) {
                int n = Math.abs(b);
                boolean measured = b > 0;
                for (int i = 0; i < n; i++) {
                    long t = raw.roundTrip(++pingId, PING_TIMEOUT_MS);
                    if (t < 0) {
                        rawTimeouts++;
                    } else if (measured) {
                        rawTimes.add(t);
                    }
                }
                for (Scenario s : scenarios) {
                    for (int i = 0; i < n && !s.series.failing(); i++) {
                        s.series.switchOnce(versionService::adjust, measured);
                    }
                }
            }
            rawAll.addAll(rawTimes);
            Stats r = Stats.of(rawTimes);
            table.add(row(g, "raw ordered round trip (baseline)", r, "1.00", ""));
            Json.Arr scJson = new Json.Arr();
            for (Scenario s : scenarios) {
                Stats w = Stats.of(s.series.wall);
                Stats c = Stats.of(s.series.sentToConfirmed);
                table.add(row(g, "adjust " + s.name, w, ratio(w.p50(), r.p50()), Stats.ms(c.p50())));
                for (String f : s.series.failures) {
                    table.add("         FAILED: " + f);
                }
                scJson.add(new Json.Obj().put("scenario", s.name).put("groups", s.groups).put("all", s.all)
                        .put("adjust_wall", w.toJson()).put("sent_to_confirmed", c.toJson())
                        .put("p50_over_raw_p50", r.p50() > 0 ? (double) w.p50() / r.p50() : null)
                        .put("failures", arr(s.series.failures)));
            }
            phasesJson.add(new Json.Obj().put("groups_in_cluster", g).put("raw_round_trip", r.toJson())
                    .put("scenarios", scJson));
        }
        Stats rawTotal = Stats.of(rawAll);
        String loadAtEnd = loadAverage();
        String header = String.format(Locale.ROOT, "Adjust latency on %d real Karaf nodes = VersionService.adjust on %s"
                + " until every node confirmed; sent→conf = AdjustResult.elapsed%n(raw = probe JChannel from the"
                + " node's stack file, ordered multicast + a unicast answer from every member; %d measured switches"
                + " each, alternating down/up, after %d warm-up, blocks of %d interleaved with the raw pings)%n"
                + "groups  what                                  p50 ms    p99 ms    max ms     p50/raw  sent→conf p50",
                o.nodes(), clusterService.localNode(), o.switches(), o.warmup(), o.block());
        out.println(header);
        table.forEach(out::println);
        out.printf(Locale.ROOT, "all     raw round trips of all phases         %8s  %8s  %8s   (%d; time-outs %d)%n",
                Stats.ms(rawTotal.p50()), Stats.ms(rawTotal.p99()), Stats.ms(rawTotal.max()), rawTotal.count(),
                rawTimeouts);
        out.printf(Locale.ROOT, "load average: %s at start, %s at end; %.1f s%n", loadAtStart, loadAtEnd,
                (System.nanoTime() - started) / 1e9);

        Json.Obj json = new Json.Obj().put("when", Instant.now().toString())
                .put("machine", new Json.Obj().put("cpus", Runtime.getRuntime().availableProcessors())
                        .put("java", System.getProperty("java.version"))
                        .put("load_average_start", loadAtStart).put("load_average_end", loadAtEnd))
                .put("asker", clusterService.localNode()).put("raw_view", String.valueOf(raw.view()))
                .put("options", new Json.Obj().put("nodes", o.nodes()).put("switches", o.switches())
                        .put("warmup", o.warmup()).put("block", o.block()))
                .put("phases", phasesJson).put("raw_round_trip_all_phases", rawTotal.toJson())
                .put("raw_timeouts", rawTimeouts);
        Files.createDirectories(jsonFile.toAbsolutePath().getParent());
        Files.writeString(jsonFile, json + "\n", StandardCharsets.UTF_8);
        out.println("wrote " + jsonFile.toAbsolutePath());
    }

    private void awaitRawView(int nodes) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (raw.view() == null || raw.view().size() < nodes) {
            if (connectFailure != null) {
                throw connectFailure;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the raw channel's view is " + raw.view() + ", not " + nodes
                        + " members, after " + WAIT_MS + " ms: is the probe installed on every node?");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until the cluster holds exactly the {@code count} bench groups, each with a member on {@code nodes}
     * nodes, and every one at the same (highest) level; moves any below it up first (not measured).
     *
     * @return the level the groups are at, the upper level of the switches
     */
    private int awaitGroups(int count, int nodes) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            List<GroupInfo> all = groupService.groups();
            boolean ready = all.size() == count && all.stream().allMatch(gi -> gi.name().startsWith(BenchGroups.PREFIX)
                    && gi.members().stream().map(Member::node).distinct().count() == nodes);
            if (ready) {
                int high = all.stream().mapToInt(GroupInfo::potentialLevel).min().orElse(0);
                if (high < 2) {
                    throw new IllegalStateException("the groups' potential level is " + high
                            + ": every node needs infra 2.0.0 (levels 1 and 2) for the down/up switches");
                }
                Set<String> below = all.stream().filter(gi -> gi.level() != high).map(GroupInfo::name)
                        .collect(Collectors.toCollection(TreeSet::new));
                if (below.isEmpty()) {
                    return high;
                }
                VersionRequest up = new VersionRequest(below, false, OptionalInt.of(high), false);
                AdjustResult r = versionService.adjust(up);
                if (!r.complete()) {
                    throw new IllegalStateException("could not bring " + below + " to level " + high + ": " + r);
                }
                continue;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the cluster's groups are not " + count + " bench groups with a member"
                        + " on each of " + nodes + " nodes after " + WAIT_MS + " ms: " + all.stream()
                        .map(gi -> gi.name() + gi.members()).collect(Collectors.joining(", ")));
            }
            Thread.sleep(50);
        }
    }

    private static String row(int groups, String what, Stats s, String ratio, String sentToConfirmed) {
        return String.format(Locale.ROOT, "%-7d %-36s %8s  %8s  %8s   %8s  %s", groups, what, Stats.ms(s.p50()),
                Stats.ms(s.p99()), Stats.ms(s.max()), ratio, sentToConfirmed);
    }

    private static String ratio(long a, long b) {
        return b > 0 ? String.format(Locale.ROOT, "%.2fx", (double) a / b) : "-";
    }

    private static Json.Arr arr(List<String> items) {
        Json.Arr a = new Json.Arr();
        items.forEach(a::add);
        return a;
    }

    /** 1, 5 and 15 minute load averages of the machine (Linux), or the JVM's 1-minute figure */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return String.format(Locale.ROOT, "%.2f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
