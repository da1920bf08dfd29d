package org.cutover.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.cutover.bench.stats.Json;
import org.cutover.bench.stats.Stats;

/**
 * The in-JVM benchmarks (targets of issue 10). Prints a table and writes the same figures
 * as JSON. Options (all optional):
 * <pre>
 *   --part adjust|throughput|all   (all)
 *   --nodes 3,5                    cluster sizes for the adjust latency
 *   --groups 1,10,100              groups switched by one --all
 *   --switches 200                 measured switches per scenario
 *   --warmup 40                    switches (and round trips) before measuring
 *   --warmup-seconds 10            and at least this long (issue 10: "after 10 s of warm-up")
 *   --block 20                     interleaving block (even)
 *   --msgs 50000                   messages per member per throughput round
 *   --payloads 1024,64
 *   --rounds 3                     throughput rounds per path and payload
 *   --out target/bench-results.json
 *   --quick                        a short smoke run: 40 switches, 2000 msgs, 1 round
 * </pre>
 */
public final class Bench {

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = parse(args);
        boolean quick = o.containsKey("quick");
        String part = o.getOrDefault("part", "all");
        int[] nodes = ints(o.getOrDefault("nodes", "3,5"));
        int[] groups = ints(o.getOrDefault("groups", "1,10,100"));
        int switches = Integer.parseInt(o.getOrDefault("switches", quick ? "40" : "200"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", quick ? "20" : "40"));
        int warmupSeconds = Integer.parseInt(o.getOrDefault("warmup-seconds", quick ? "0" : "10"));
        int block = Integer.parseInt(o.getOrDefault("block", "20"));
        long msgs = Long.parseLong(o.getOrDefault("msgs", quick ? "2000" : "50000"));
        int[] payloads = ints(o.getOrDefault("payloads", "1024,64"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", quick ? "1" : "3"));
        Path out = Path.of(o.getOrDefault("out", "target/bench-results.json"));
        if (block <= 0 || block % 2 != 0 || switches % 2 != 0 || warmup % 2 != 0) {
            throw new IllegalArgumentException("--block, --switches and --warmup must be even (up and down pairs)");
        }
        // core logs every adjust at INFO; in Karaf that goes to a file, here it would go to the console
        Logger.getLogger("").setLevel(Level.WARNING);
        Arrays.stream(Logger.getLogger("").getHandlers()).forEach(h -> h.setLevel(Level.WARNING));

        Path stateRoot = Path.of("target", "bench-state");
        Json.Obj json = new Json.Obj().put("when", Instant.now().toString())
                .put("machine", new Json.Obj().put("cpus", Runtime.getRuntime().availableProcessors())
                        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
                        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
                        .put("load_average_at_start", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
                .put("jgroups", org.jgroups.Version.printVersion())
                .put("stack", new Json.Obj().put("cutover", "etc/cutover-jgroups.xml on loopback, TLS " + (Stack.TLS ? "on" : "off") + " (BENCH_TLS): "
                        + Stack.shipped(1).protocols()).put("raw", "its lower protocols, raft ones stripped, bare"
                        + " SEQUENCER just above GMS: " + Stack.sequencer(1).protocols()))
                .put("options", new Json.Obj().put("switches", switches).put("warmup", warmup)
                        .put("warmup_seconds", warmupSeconds).put("block", block)
                        .put("msgs_per_member", msgs).put("rounds", rounds));
        List<String[]> targets = new ArrayList<>();
        StringBuilder table = new StringBuilder();

        if (part.equals("all") || part.equals("adjust")) {
            Json.Arr arr = new Json.Arr();
            table.append(String.format(Locale.ROOT, "%nAdjust latency = the VersionService.adjust call until every"
                    + " node confirmed; sent→conf = AdjustResult.elapsed%n"));
            table.append(String.format(Locale.ROOT, "(asker = a node that does not lead the log, raw pings from one"
                    + " too; %d measured switches each, alternating down/up, after at least %d warm-up and %d s)%n",
                    switches, warmup, warmupSeconds));
            table.append(String.format(Locale.ROOT, "%-6s %-34s %9s %9s %9s %11s %9s  %s%n", "nodes", "what", "p50 ms",
                    "p99 ms", "max ms", "p50/rawlog", "sent→conf", "p50 first¼→last¼"));
            for (int n : nodes) {
                System.out.printf("adjust latency, %d nodes ...%n", n);
                double loadBefore = load1();
                AdjustBench.Result r = AdjustBench.run(n, groups, switches, block, warmup, warmupSeconds, stateRoot);
                double adjustLoad = Math.max(loadBefore, load1());
                table.append(String.format(Locale.ROOT, "%-6d load average (1 min) up to %.2f on %d cores%s%n", n,
                        adjustLoad, CORES, adjustLoad > CORES ? " — NOISY, not a result" : ""));
                Json.Obj jo = new Json.Obj().put("nodes", n).put("load_average", adjustLoad)
                        .put("raw_sequencer_round_trip", r.raw().toJson()).put("raw_sequencer_timeouts", r.rawTimeouts())
                        .put("raw_log_round_trip", r.rawLog().toJson()).put("raw_log_timeouts", r.rawLogTimeouts())
                        .put("raw_log_entry_bytes", r.entryBytes()).put("raw_log_sends", "shipped")
                        .put("raw_log_blocking_sends_round_trip", r.blockingLog().toJson())
                        .put("raw_log_blocking_sends_timeouts", r.blockingLogTimeouts());
                table.append(String.format(Locale.ROOT, "%-6d %-34s %9s %9s %9s %11s%n", n,
                        "raw SEQUENCER round trip", Stats.ms(r.raw().p50()), Stats.ms(r.raw().p99()),
                        Stats.ms(r.raw().max()), String.format(Locale.ROOT, "%.2fx", (double) r.raw().p50()
                                / r.rawLog().p50())));
                table.append(String.format(Locale.ROOT, "%-6d %-34s %9s %9s %9s %11s%n", n,
                        "raw log round trip (" + r.entryBytes() + " B entry)", Stats.ms(r.rawLog().p50()),
                        Stats.ms(r.rawLog().p99()), Stats.ms(r.rawLog().max()), "1.00x"));
                table.append(String.format(Locale.ROOT, "%-6d %-34s %9s %9s %9s %11s%n", n,
                        "  the same, blocking sends", Stats.ms(r.blockingLog().p50()), Stats.ms(r.blockingLog().p99()),
                        Stats.ms(r.blockingLog().max()), String.format(Locale.ROOT, "%.2fx",
                                (double) r.blockingLog().p50() / r.rawLog().p50())));
                Json.Arr sc = new Json.Arr();
                for (AdjustBench.Scenario s : r.scenarios().values()) {
                    Stats w = Stats.of(s.series.wall);
                    Stats rep = Stats.of(s.series.sentToConfirmed);
                    long[] drift = AdjustBench.drift(s.series.wall);
                    double ratio = r.rawLog().p50() == 0 ? Double.NaN : (double) w.p50() / r.rawLog().p50();
                    table.append(String.format(Locale.ROOT, "%-6d %-34s %9s %9s %9s %10.2fx %9s  %s → %s%s%n", n,
                            "adjust " + s.name, Stats.ms(w.p50()), Stats.ms(w.p99()), Stats.ms(w.max()), ratio,
                            Stats.ms(rep.p50()), Stats.ms(drift[0]), Stats.ms(drift[1]),
                            s.series.failures.isEmpty() ? "" : "  FAILURES " + s.series.failures.size()));
                    sc.add(new Json.Obj().put("scenario", s.name).put("groups", s.groups).put("all", s.all)
                            .put("asker", s.series.askerNode)
                            .put("adjust_call", w.toJson()).put("adjust_sent_to_last_confirm", rep.toJson())
                            .put("p50_over_raw_log_p50", ratio)
                            .put("sent_to_own_apply", Stats.of(s.series.ownApply).toJson())
                            .put("sent_to_last_other_confirm", Stats.of(s.series.othersConfirmed).toJson())
                            .put("p50_first_quarter_ms", drift[0] / 1e6).put("p50_last_quarter_ms", drift[1] / 1e6)
                            .put("failures", list(s.series.failures)));
                    for (String f : s.series.failures) {
                        System.err.println("  " + n + " nodes " + s.name + ": " + f);
                    }
                }
                jo.put("scenarios", sc);
                table.append(String.format(Locale.ROOT, "%-6d CPU µs per switch (per round trip) by kind of thread"
                        + " (whole JVM, Linux's thread clocks):%n", n));
                table.append(String.format(Locale.ROOT, "%-6d   %-32s%s%n", n, "raw pair (SEQUENCER + log)",
                        r.rawPairCpu().perOperation(7)));
                for (AdjustBench.Scenario s : r.scenarios().values()) {
                    table.append(String.format(Locale.ROOT, "%-6d   %-32s%s%n", n, s.name, s.cpu.perOperation(7)));
                }
                // the result's times per member: when the asker's own node applied the entry, and when the last
                // confirmation of another node came in (an adjust's wait past its own apply is the others' path)
                table.append(String.format(Locale.ROOT, "%-6d p50 ms from the send, by the result's times per"
                        + " member: the asking node's own apply / the last other node's confirmation:%n", n));
                for (AdjustBench.Scenario s : r.scenarios().values()) {
                    table.append(String.format(Locale.ROOT, "%-6d   %-32s%s / %s%n", n, s.name,
                            Stats.ms(Stats.of(s.series.ownApply).p50()),
                            Stats.ms(Stats.of(s.series.othersConfirmed).p50())));
                }
                arr.add(jo);
                adjustTargets(targets, n, r, adjustLoad);
            }
            json.put("adjust", arr);
        }

        if (part.equals("all") || part.equals("throughput")) {
            System.out.printf("throughput, %d members, %d msgs per member per round ...%n", ThroughputBench.MEMBERS, msgs);
            double loadBefore = load1();
            List<ThroughputBench.Round> rs = ThroughputBench.run(payloads, msgs, rounds, stateRoot);
            double throughputLoad = Math.max(loadBefore, load1());
            table.append(String.format(Locale.ROOT, "%nload average (1 min) over the throughput part: up to %.2f on %d"
                    + " cores%s%n", throughputLoad, CORES, throughputLoad > CORES ? " — NOISY, not a result" : ""));
            json.put("throughput_load_average", throughputLoad);
            table.append(String.format(Locale.ROOT, "%nOrdered messaging throughput (3 members, each sends %d at once;"
                    + " median of %d rounds; msgs/s = all 3N messages / time until every member delivered all)%n",
                    msgs, rounds));
            table.append(String.format(Locale.ROOT, "%-8s %-22s %12s %9s %10s   %s%n", "payload", "path", "msgs/s",
                    "MB/s", "vs raw", "rounds: msgs/s (seconds, NAKACK2 xmit requests, thread-pool rejections, MFC+UFC blockings)"));
            Json.Arr arr = new Json.Arr();
            for (int p : payloads) {
                double raw = median(rs, "raw JChannel", p);
                for (String path : List.of("raw JChannel", "GroupService sendAsync", "GroupService send")) {
                    double m = median(rs, path, p);
                    StringBuilder each = new StringBuilder();
                    Json.Arr roundsJson = new Json.Arr();
                    for (ThroughputBench.Round r : rs) {
                        if (r.path().equals(path) && r.payload() == p) {
                            each.append(r.complete() ? String.format(Locale.ROOT, "%.0f", r.msgsPerSec()) : "TIMEOUT")
                                    .append(String.format(Locale.ROOT, " (%.1fs xmit %d rej %d fc %d); ",
                                            r.nanos() / 1e9, r.health().xmitRequests(), r.health().rejected(),
                                            r.health().flowBlocks()));
                            roundsJson.add(new Json.Obj().put("msgs_per_s", r.msgsPerSec())
                                    .put("seconds", r.nanos() / 1e9).put("complete", r.complete())
                                    .put("nakack2_xmit_requests_sent", r.health().xmitRequests())
                                    .put("thread_pool_rejected", r.health().rejected())
                                    .put("flow_control_blockings", r.health().flowBlocks()));
                        }
                    }
                    table.append(String.format(Locale.ROOT, "%-8s %-22s %12.0f %9.1f %9.1f%%   %s%n", p + " B", path, m,
                            m * p / 1e6, 100 * m / raw, each.toString().trim()));
                    arr.add(new Json.Obj().put("payload_bytes", p).put("path", path).put("msgs_per_s", m)
                            .put("mb_per_s", m * p / 1e6).put("percent_of_raw", 100 * m / raw).put("rounds", roundsJson));
                }
                double g = median(rs, "GroupService sendAsync", p);
                double goal = p <= 64 ? 200_000 : 100_000; // issue 10: 1 KB ≥ 100k msgs/s, 64 B ≥ 200k
                targets.add(new String[] {String.format(Locale.ROOT, "sendAsync ≥ %.0fk msgs/s, %d B", goal / 1000, p),
                        String.format(Locale.ROOT, "%.0f msgs/s (raw SEQUENCER %.0f, %.1f%%)", g, raw, 100 * g / raw),
                        status(g >= goal, throughputLoad)});
            }
            json.put("throughput", arr);
        }

        table.append(String.format(Locale.ROOT, "%nTargets%n"));
        Json.Arr tj = new Json.Arr();
        for (String[] t : targets) {
            table.append(String.format(Locale.ROOT, "  %-52s %-9s %s%n", t[0], t[2], t[1]));
            tj.add(new Json.Obj().put("target", t[0]).put("figure", t[1]).put("met", t[2].equals("met")).put("status", t[2]));
        }
        json.put("targets", tj);
        json.put("load_average_at_end", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.print(table);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json + "\n", StandardCharsets.UTF_8);
        Files.writeString(out.resolveSibling("bench-table.txt"), table.toString(), StandardCharsets.UTF_8);
        System.out.println("\nwrote " + out.toAbsolutePath());
        System.exit(0); // JGroups timer threads are not all daemons
    }

    /** issue 10's adjust targets, asked from a non-leader node */
    private static void adjustTargets(List<String[]> targets, int n, AdjustBench.Result r, double load) {
        AdjustBench.Scenario named = r.scenarios().get("named 1 group");
        Stats raw = r.rawLog();
        if (named != null) {
            Stats w = Stats.of(named.series.wall);
            targets.add(new String[] {"adjust p50 ≤ 1.5× raw log round trip, " + n + " nodes",
                    String.format(Locale.ROOT, "%s ms vs 1.5×%s ms (%.2fx)", Stats.ms(w.p50()), Stats.ms(raw.p50()),
                            (double) w.p50() / raw.p50()), status(w.p50() <= 1.5 * raw.p50(), load)});
            targets.add(new String[] {"adjust p99 ≤ 5 ms, " + n + " nodes",
                    Stats.ms(w.p99()) + " ms", status(w.p99() <= 5_000_000L, load)});
        }
        AdjustBench.Scenario one = r.scenarios().get("--all 1 groups");
        for (int[] g : new int[][] {{100, 130}, {1000, 180}}) {
            AdjustBench.Scenario many = r.scenarios().get("--all " + g[0] + " groups");
            if (one != null && many != null) {
                long a = Stats.of(one.series.wall).p50();
                long b = Stats.of(many.series.wall).p50();
                targets.add(new String[] {String.format(Locale.ROOT, "--all %d groups ≤ %.1f× 1 group (p50), %d nodes",
                        g[0], g[1] / 100.0, n),
                        String.format(Locale.ROOT, "%s ms vs %s ms (%.2fx)", Stats.ms(b), Stats.ms(a), (double) b / a),
                        status(b * 100 <= (long) g[1] * a, load)});
            }
        }
    }

    /** a figure measured while the load average exceeded the core count is noise, not a result */
    private static String status(boolean met, double load) {
        if (load > CORES) {
            return String.format(Locale.ROOT, "noise (load %.1f > %d cores)", load, CORES);
        }
        return met ? "met" : "NOT met";
    }

    static double load1() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** the median round: one stalled round on a shared machine does not move it */
    private static double median(List<ThroughputBench.Round> rs, String path, int payload) {
        double[] v = rs.stream().filter(r -> r.path().equals(path) && r.payload() == payload)
                .mapToDouble(ThroughputBench.Round::msgsPerSec).sorted().toArray();
        if (v.length == 0) {
            return 0;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static Json.Arr list(List<String> l) {
        Json.Arr a = new Json.Arr();
        l.forEach(a::add);
        return a;
    }

    /** comma-separated integers; shared by the harnesses' mains */
    static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
    }

    /** {@code --key value} pairs, and {@code --quick} alone */
    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String k = args[i].substring(2);
            if (k.equals("quick")) {
                m.put(k, "true");
            } else if (i + 1 < args.length) {
                m.put(k, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + k + " needs a value");
            }
        }
        return m;
    }

}
