package org.cutover.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.cutover.bench.stats.ThreadCpu;

/**
 * What an idle cluster costs: nodes on the shipped stack in this JVM, one member each in a group, nothing sent.
 * After a settling time, the CPU every kind of thread uses over a window, per node, in thousandths of a core
 * (read from /proc, so the JVM's own threads count too).
 *
 * <pre>BENCH_MAIN=org.cutover.bench.IdleBench benchmarks/run [--nodes 3] [--settle-s 15] [--window-s 30]</pre>
 */
public final class IdleBench {

    private IdleBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Bench.parse(args);
        int size = Integer.parseInt(o.getOrDefault("nodes", "3"));
        long settle = 1000L * Integer.parseInt(o.getOrDefault("settle-s", "15"));
        long window = 1000L * Integer.parseInt(o.getOrDefault("window-s", "30"));
        Logger.getLogger("").setLevel(Level.SEVERE);
        for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.SEVERE);
        }
        try (CutoverCluster c = CutoverCluster.start("idle", size, Path.of("target", "bench-state"))) {
            c.joinEverywhere("idle", i -> d -> { });
            Thread.sleep(settle);
            double loadBefore = Bench.load1();
            ThreadCpu cpu = ThreadCpu.start();
            long t0 = System.nanoTime();
            Thread.sleep(window);
            long wall = System.nanoTime() - t0;
            Map<String, Long> used = cpu.byKind();
            long all = used.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf(Locale.ROOT, "%d idle nodes, %d s after %d s of settling (load %.2f before, %.2f"
                    + " after): %.1f thousandths of a core per node%n", size, window / 1000, settle / 1000,
                    loadBefore, Bench.load1(), 1000.0 * all / wall / size);
            used.entrySet().stream().limit(8).forEach(e -> System.out.printf(Locale.ROOT, "  %7.1f  %s%n",
                    1000.0 * e.getValue() / wall / size, e.getKey()));
        }
    }
}
