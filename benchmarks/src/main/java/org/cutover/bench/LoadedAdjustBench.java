package org.cutover.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.cutover.api.Group;
import org.cutover.bench.stats.Stats;
import org.cutover.bench.stats.SwitchSeries;
import org.cutover.bench.stats.ThreadCpu;
import org.cutover.core.internal.version.VersionNegotiator;

/**
 * Issue 10's "adjust while group traffic runs at half its maximum (open
 * loop)": 3 in-JVM nodes on the shipped stack, one group {@code t} with a
 * member on each node. The maximum is measured first in the same run (every
 * member sends a burst with {@code sendAsync}; delivered per member per
 * second). Then every member sends on a fixed schedule, whatever the
 * cluster does (open loop), so that the three together offer half that rate,
 * while a node that does not lead the log switches {@code t} between levels 1
 * and 2. The same switches without traffic are the baseline.
 *
 * <pre>BENCH_MAIN=org.cutover.bench.LoadedAdjustBench benchmarks/run [--payload 1024] [--switches 400]
 *     [--burst 30000] [--fraction 0.5] [--senders all|others] [--warmup-seconds 10]</pre>
 */
public final class LoadedAdjustBench {

    private static final int MEMBERS = 3;

    private LoadedAdjustBench() {
    }

    /** held here: JUL keeps loggers weakly, and a collected one forgets its level */
    private static final List<Logger> KEPT_LOGGERS = new java.util.ArrayList<>();

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Bench.parse(args);
        int payload = Integer.parseInt(o.getOrDefault("payload", "1024"));
        int switches = Integer.parseInt(o.getOrDefault("switches", "400"));
        long burst = Long.parseLong(o.getOrDefault("burst", "30000"));
        double fraction = Double.parseDouble(o.getOrDefault("fraction", "0.5"));
        // switches before each series is measured, for this long: the JIT compilers took 0.56 of the 2 cores while
        // the loaded switches were measured after 40 idle ones (2026-12-04, /proc's thread clocks)
        long warmupNanos = (long) (Double.parseDouble(o.getOrDefault("warmup-seconds", "10")) * 1e9);
        // "others": the asker's member does not send (the others send its share): shows what the asker's own
        // queue of data adds to an adjust
        boolean askerSends = !o.getOrDefault("senders", "all").equals("others");
        Logger.getLogger("").setLevel(Level.SEVERE);
        // e.g. -Dbench.log=org.cutover=WARNING,org.cutover.core.internal.LogLink=INFO: those loggers' lines
        String levels = System.getProperty("bench.log");
        for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(levels == null ? Level.SEVERE : Level.ALL);
        }
        if (levels != null) {
            for (String named : levels.split(",")) {
                String[] nameAndLevel = named.split("=", 2);
                Logger l = Logger.getLogger(nameAndLevel[0]);
                l.setLevel(Level.parse(nameAndLevel[1]));
                KEPT_LOGGERS.add(l);
            }
        }
        double loadStart = Bench.load1();
        StringBuilder table = new StringBuilder();
        try (CutoverCluster c = CutoverCluster.start("loaded-adjust", MEMBERS, Path.of("target", "bench-state"))) {
            LagWatch.start(c.current, 2000, 2.0);
            Bursts bursts = new Bursts(MEMBERS);
            AtomicLong[] delivered = bursts.delivered;
            List<Group> members = c.joinEverywhere("t", bursts::listener);
            byte[] bytes = new byte[payload];

            // the maximum: bursts as ThroughputBench sends them; the best of three after a warm-up burst
            double max = 0;
            for (int r = 0; r < 4; r++) {
                double rate = bursts.burst(members, bytes, burst);
                System.out.printf(Locale.ROOT, "  burst %d: %.0f msgs/s delivered per member%n", r, rate);
                if (r > 0) {
                    max = Math.max(max, rate);
                }
            }

            int asker = AdjustBench.follower(c);
            VersionNegotiator v = c.versions.get(asker);
            SwitchSeries idle = new SwitchSeries(false, "t", 2);
            warmUp(idle, v, warmupNanos);
            for (int i = 0; i < switches && !idle.failing(); i++) {
                idle.switchOnce(v::adjust, true);
            }

            double offered = max * fraction; // delivered per member = sent by all three together
            List<Group> senders = askerSends ? members
                    : members.stream().filter(g -> g != members.get(asker)).toList();
            OpenLoad load = new OpenLoad(senders, bytes, offered / senders.size());
            long before = delivered[0].get();
            long t0 = System.nanoTime();
            load.start();
            Thread.sleep(2000); // the stream settles before the first switch
            SwitchSeries loaded = new SwitchSeries(false, "t", 2);
            warmUp(loaded, v, warmupNanos);
            long m0 = System.nanoTime();
            long d0 = delivered[0].get();
            long e0 = c.nodes.get(0).commitIndex();
            long cpu0 = processCpuNanos();
            load.resetAckTimes();
            ThreadCpu threads = ThreadCpu.start();
            for (int i = 0; i < switches && !loaded.failing(); i++) {
                loaded.switchOnce(v::adjust, true);
                Thread.sleep(5); // a switch now and then, not back to back: the traffic is what is measured
            }
            long m1 = System.nanoTime();
            long d1 = delivered[0].get();
            long e1 = c.nodes.get(0).commitIndex();
            double coresUsed = (processCpuNanos() - cpu0) / (double) (m1 - m0);
            String byThread = threads.table(m1 - m0, 12);
            double ack50 = load.ackMillis(0.5);
            double ack99 = load.ackMillis(0.99);
            long behind = load.stop();
            long sent = load.sent.get();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (delivered[0].get() - before < sent && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            double achieved = (d1 - d0) / ((m1 - m0) / 1e9);

            double load1 = Math.max(loadStart, Bench.load1());
            int cores = Runtime.getRuntime().availableProcessors();
            table.append(String.format(Locale.ROOT, "%nAdjust of group t under open-loop traffic, %d nodes in one JVM,"
                    + " shipped stack, %d B messages, asked from node%d (not the leader)%n", MEMBERS, payload,
                    asker + 1));
            table.append(String.format(Locale.ROOT, "load average (1 min) up to %.2f on %d cores%s%n", load1, cores,
                    load1 > cores ? " — NOISY, not a result" : ""));
            table.append(String.format(Locale.ROOT, "maximum (bursts, best of 3): %.0f msgs/s delivered per member;"
                    + " offered %.0f msgs/s (%.0f%%), delivered per member while switching %.0f msgs/s%n", max,
                    offered, fraction * 100, achieved));
            double entries = (e1 - e0) / ((m1 - m0) / 1e9);
            table.append(String.format(Locale.ROOT, "log entries committed while switching: %.0f/s, %.1f messages"
                    + " per entry; the JVM used %.2f cores%n", entries, entries == 0 ? 0 : achieved / entries, coresUsed));
            table.append(String.format(Locale.ROOT, "a sendAsync until applied on its node while switching: p50 %.2f ms,"
                    + " p99 %.2f ms (buckets of 20 µs)%n", ack50, ack99));
            table.append("the cores by kind of thread while switching:\n").append(byThread);
            table.append(String.format(Locale.ROOT, "sends behind their schedule when the load stopped: %d of %d;"
                    + " failed: %d; all %d delivered on node1: %s%n", behind, sent, load.failed.get(), sent,
                    delivered[0].get() - before >= sent));
            table.append(String.format(Locale.ROOT, "senders: %s; a switch is timed as the adjust call (check, entry,"
                    + " every confirmation) and, in brackets, from the entry's sending to the last confirmation%n",
                    askerSends ? "all three members" : "the two members not on the asking node"));
            table.append(String.format(Locale.ROOT, "%-34s %8s %8s %8s %8s %6s %18s%n", "switches of t", "p50 ms",
                    "p99 ms", "max ms", "n", "fails", "(sent→confirmed)"));
            row(table, "no traffic (baseline)", idle);
            row(table, "traffic at " + Math.round(fraction * 100) + "% of the maximum", loaded);
            System.out.printf("  open loop ran %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        System.out.print(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "loaded-adjust-table.txt"), table.toString(), StandardCharsets.UTF_8);
        System.out.println("load average at end " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.exit(0);
    }

    /**
     * switches not counted, for {@code nanos} and at least 40, 5 ms apart as the measured ones; an even number, so
     * the group ends at the level it started at (each series starts at the higher level)
     */
    private static void warmUp(SwitchSeries s, VersionNegotiator v, long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        for (int i = 0; (i < 40 || i % 2 == 1 || System.nanoTime() < end) && !s.failing(); i++) {
            s.switchOnce(v::adjust, false);
            Thread.sleep(5);
        }
    }

    /** the CPU time of this JVM, all its threads (the three nodes, the senders, the switches) */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void row(StringBuilder table, String what, SwitchSeries s) {
        Stats st = Stats.of(s.wall);
        Stats sc = Stats.of(s.sentToConfirmed);
        table.append(String.format(Locale.ROOT, "%-34s %8s %8s %8s %8d %6d   (%s / %s)%n", what, Stats.ms(st.p50()),
                Stats.ms(st.p99()), Stats.ms(st.max()), s.wall.size(), s.failures.size(), Stats.ms(sc.p50()),
                Stats.ms(sc.p99())));
        s.failures.stream().limit(3).forEach(f -> table.append("  failed: ").append(f).append('\n'));
    }

    /** every member sends on its own fixed schedule, whatever the cluster does */
}
