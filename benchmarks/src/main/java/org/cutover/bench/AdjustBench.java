package org.cutover.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cutover.api.GroupListener;
import org.cutover.bench.stats.Stats;
import org.cutover.bench.stats.SwitchSeries;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.state.StateStore;
import org.cutover.core.internal.version.VersionNegotiator;

/**
 * Adjust latency on N in-JVM nodes, beside the raw ordered round trip on N
 * plain channels of the same shipped lower stack with SEQUENCER as the order
 * (Stack#sequencer). All clusters of one size run at once and
 * the measurements are interleaved in blocks, so the machine's noise falls on
 * every figure alike and the ratios hold.
 */
final class AdjustBench {

    /** one adjust scenario on one cluster */
    static final class Scenario {
        final String name;
        final int groups;
        final boolean all;
        final CutoverCluster cluster;
        final SwitchSeries series;
        /** the asker's persisted state at the end: size, and the cost of one encode and one save of it */
        int stateBytes;
        Stats encode = Stats.of(List.of());
        Stats save = Stats.of(List.of());
        /** the same when the measured switches begin: the replica grows with every adjust (history) */
        int stateBytesAtStart;
        Stats saveAtStart = Stats.of(List.of());

        Scenario(String name, int groups, boolean all, CutoverCluster cluster) {
            this.name = name;
            this.groups = groups;
            this.all = all;
            this.cluster = cluster;
            this.series = new SwitchSeries(all, "g0", 2);
        }
    }

    record Result(int nodes, Stats raw, int rawTimeouts, Map<String, Scenario> scenarios) {
    }

    private AdjustBench() {
    }

    static Result run(int nodes, int[] groupCounts, int switches, int block, int warmup, Path stateRoot)
            throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            long t0 = System.nanoTime();
            RawCluster raw = RawCluster.start("raw" + nodes, nodes);
            open.add(raw);
            Map<String, Scenario> scenarios = new LinkedHashMap<>();
            for (int g : groupCounts) {
                CutoverCluster c = CutoverCluster.start("adjust-" + nodes + "n-" + g + "g", nodes, stateRoot);
                open.add(c);
                GroupListener quiet = d -> { };
                for (int i = 0; i < g; i++) {
                    c.joinEverywhere("g" + i, n -> quiet);
                }
                if (g == 1) {
                    scenarios.put("named 1 group", new Scenario("named 1 group", 1, false, c));
                }
                scenarios.put("--all " + g + " groups", new Scenario("--all " + g + " groups", g, true, c));
            }
            System.out.printf("  %d nodes: %d clusters up and joined in %.1f s%n", nodes, groupCounts.length + 1,
                    (System.nanoTime() - t0) / 1e9);

            int asker = nodes - 1; // a non-coordinator asks, and sends the raw pings
            List<Long> rawTimes = new ArrayList<>();
            int rawTimeouts = 0;
            long pingId = 0;
            // warm-up blocks first, then measured blocks; each block is even, so every scenario ends it at level 2
            List<Integer> blocks = new ArrayList<>();
            for (int left = warmup; left > 0; left -= block) {
                blocks.add(-Math.min(block, left)); // negative: warm-up
            }
            for (int left = switches; left > 0; left -= block) {
                blocks.add(Math.min(block, left));
            }
            boolean probed = false;
            for (int b : blocks) {
                int n = Math.abs(b);
                boolean measured = b > 0;
                if (measured && !probed) {
                    probed = true;
                    for (Scenario s : scenarios.values()) {
                        probeStateCost(s, s.cluster.nodes.get(asker), stateRoot.resolve("probe-" + nodes + "n.bin"));
                        s.stateBytesAtStart = s.stateBytes;
                        s.saveAtStart = s.save;
                    }
                }
                for (int i = 0; i < n; i++) {
                    long t = raw.roundTrip(asker, ++pingId, 5_000);
                    if (t < 0) {
                        rawTimeouts++;
                    } else if (measured) {
                        rawTimes.add(t);
                    }
                }
                for (Scenario s : scenarios.values()) {
                    VersionNegotiator v = s.cluster.versions.get(asker);
                    for (int i = 0; i < n && !s.series.failing(); i++) {
                        s.series.switchOnce(v::adjust, measured);
                    }
                }
            }
            Thread.sleep(300); // the last AdjustDone is delivered
            for (Scenario s : scenarios.values()) {
                probeStateCost(s, s.cluster.nodes.get(asker), stateRoot.resolve("probe-" + nodes + "n.bin"));
            }
            return new Result(nodes, Stats.of(rawTimes), rawTimeouts, scenarios);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    System.err.println("close: " + e);
                }
            }
        }
    }

    /**
     * What core does to every node on every applied change (adjust, adjust-done, join ...): encode the whole
     * replica and write it to a file. Timed here on the asker's state as it is at the end of the scenario.
     */
    private static void probeStateCost(Scenario s, ClusterNode node, Path file) {
        StateStore store = new StateStore(file);
        node.read(state -> {
            List<Long> enc = new ArrayList<>();
            List<Long> sav = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                long a = System.nanoTime();
                s.stateBytes = StateStore.encode(state).length;
                enc.add(System.nanoTime() - a);
                a = System.nanoTime();
                store.save(state);
                sav.add(System.nanoTime() - a);
            }
            s.encode = Stats.of(enc);
            s.save = Stats.of(sav);
            return null;
        });
    }

    /** p50 of the first and of the last quarter of a scenario's switches: does it drift as history grows? */
    static long[] drift(List<Long> wall) {
        int q = Math.max(1, wall.size() / 4);
        if (wall.size() < 8) {
            return new long[] {0, 0};
        }
        return new long[] {Stats.of(wall.subList(0, q)).p50(), Stats.of(wall.subList(wall.size() - q, wall.size())).p50()};
    }
}
