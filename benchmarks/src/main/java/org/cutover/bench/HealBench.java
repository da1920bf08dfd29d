package org.cutover.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.bench.stats.Stats;

/**
 * Issue 10's "a healed minority until it has caught up": 3 in-JVM nodes on
 * the shipped stack and timings, with DISCARD above each transport. A node
 * that leads nothing is cut off from the other two (each side drops what the
 * other sends) while a writer on the majority side sends at a fixed rate;
 * after the hold the network heals. Timed from the heal: the merged view
 * (MERGE3), the node's log caught up with what the leader had committed at
 * the heal, and the first commit the node itself gets through (a join of a
 * new group; it fails fast with GROUP_PARTITIONED until then).
 *
 * <pre>BENCH_MAIN=org.cutover.bench.HealBench benchmarks/run [--splits 5] [--hold-s 10] [--rate 5000]
 *     [--payload 1024]</pre>
 */
public final class HealBench {

    private static final int SIZE = 3;
    private static final long WAIT_NANOS = 120_000_000_000L;

    private HealBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Bench.parse(args);
        int splits = Integer.parseInt(o.getOrDefault("splits", "5"));
        long holdMillis = 1000L * Integer.parseInt(o.getOrDefault("hold-s", "10"));
        double rate = Double.parseDouble(o.getOrDefault("rate", "5000"));
        byte[] payload = new byte[Integer.parseInt(o.getOrDefault("payload", "1024"))];
        Logger.getLogger("").setLevel(Level.SEVERE);
        for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.SEVERE);
        }
        double loadStart = Bench.load1();
        List<Long> excluded = new ArrayList<>();
        List<Long> merged = new ArrayList<>();
        List<Long> caughtUp = new ArrayList<>();
        List<Long> commits = new ArrayList<>();
        List<Long> backlogs = new ArrayList<>();
        List<Long> pauses = new ArrayList<>();
        List<Long> failures = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        try (CutoverCluster c = CutoverCluster.start("heal", SIZE, Path.of("target", "bench-state"), true)) {
            for (int k = 0; k < splits; k++) {
                int leader = FailoverBench.awaitLeader(c, SIZE);
                int cut = (leader + 2) % SIZE;
                int writerNode = (leader + 1) % SIZE;
                Group g = c.nodes.get(writerNode).join("heal-" + k, d -> { });
                OpenLoad w = new OpenLoad(List.of(g), payload, rate);
                System.out.printf("split %d: node%d leads, the writer is on node%d%n", k + 1, leader + 1,
                        writerNode + 1);
                w.start();
                Thread.sleep(1000);
                long split = System.nanoTime();
                c.split(List.of(cut), List.of(leader, writerNode));
                await("node" + (cut + 1) + " out of the majority's view", () -> c.viewSize(leader) == SIZE - 1);
                excluded.add(System.nanoTime() - split);
                Thread.sleep(holdMillis);

                long atHeal = c.commitIndex(leader);
                backlogs.add(atHeal - c.commitIndex(cut));
                long healed = System.nanoTime();
                c.heal();
                java.util.concurrent.atomic.AtomicLongArray done = new java.util.concurrent.atomic.AtomicLongArray(3);
                // the view and the log are watched on a thread of their own: a join below may block until it commits
                Thread watcher = new Thread(() -> {
                    while (System.nanoTime() - healed < WAIT_NANOS && (done.get(0) == 0 || done.get(1) == 0)) {
                        long now = System.nanoTime();
                        if (done.get(0) == 0 && c.viewSize(cut) == SIZE && c.viewSize(leader) == SIZE) {
                            done.set(0, now - healed);
                        }
                        if (done.get(1) == 0 && c.commitIndex(cut) >= atHeal) {
                            done.set(1, now - healed);
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    }
                }, "heal-watcher");
                watcher.start();
                int attempt = 0;
                while (System.nanoTime() - healed < WAIT_NANOS && done.get(2) == 0) {
                    try {
                        c.nodes.get(cut).join("probe-" + k + "-" + attempt++, d -> { }).leave();
                        done.set(2, System.nanoTime() - healed);
                    } catch (GroupException e) {
                        Thread.sleep(5); // GROUP_PARTITIONED at once, or NOT_CONNECTED after the time-out
                    }
                }
                watcher.join(WAIT_NANOS / 1_000_000);
                w.stop();
                pauses.add(w.longestGap.get());
                failures.add(w.failed.get());
                merged.add(done.get(0) == 0 ? -1 : done.get(0));
                caughtUp.add(done.get(1) == 0 ? -1 : done.get(1));
                commits.add(done.get(2) == 0 ? -1 : done.get(2));
                System.out.printf(Locale.ROOT, "split %d: node%d cut off for %.1f s, excluded after %s ms, %d entries"
                        + " behind; healed: merged view %s ms, log caught up %s ms, first own commit %s ms;"
                        + " writer %d acknowledged, %d failed, longest pause %s ms ending %.1f s after the split%n", k + 1,
                        cut + 1, (healed - split) / 1e9, Stats.ms(excluded.get(k)), backlogs.get(k),
                        Stats.ms(merged.get(k)), Stats.ms(caughtUp.get(k)), Stats.ms(commits.get(k)), w.acked.get(),
                        w.failed.get(), Stats.ms(w.longestGap.get()), (w.gapEnded.get() - split) / 1e9);
                Thread.sleep(2000); // settles before the next split
            }
        }
        double load = Math.max(loadStart, Bench.load1());
        int cores = Runtime.getRuntime().availableProcessors();
        table.append(String.format(Locale.ROOT, "%nHeal of a cut-off node, %d nodes in one JVM, shipped stack and timings,"
                + " %d splits of %d s, writer on the majority at %.0f msgs/s of %d B%n", SIZE, splits,
                holdMillis / 1000, rate, payload.length));
        table.append(String.format(Locale.ROOT, "load average (1 min) up to %.2f on %d cores%s%n", load, cores,
                load > cores ? " — NOISY, not a result" : ""));
        table.append(String.format(Locale.ROOT, "%-52s %10s %10s %10s%n", "what", "p50", "max", "min"));
        Stats.row(table, 52, 10, "split → the majority's view excludes the node (ms)", excluded, Stats::ms, 120);
        Stats.row(table, 52, 10, "the majority's writer: longest pause (ms)", pauses, Stats::ms, 120);
        Stats.row(table, 52, 10, "the majority's writer: failed sends", failures, Long::toString, 120);
        Stats.row(table, 52, 10, "log entries behind at the heal", backlogs, Long::toString, 120);
        Stats.row(table, 52, 10, "heal → one merged view (ms)", merged, Stats::ms, 120);
        Stats.row(table, 52, 10, "heal → the node's log has what was committed (ms)", caughtUp, Stats::ms, 120);
        Stats.row(table, 52, 10, "heal → the node's own first commit (ms)", commits, Stats::ms, 120);
        System.out.print(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "heal-table.txt"), table.toString(), StandardCharsets.UTF_8);
        System.out.println("load average at end " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.exit(0);
    }


    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": not within 120 s");
            }
            Thread.sleep(5);
        }
    }
}
