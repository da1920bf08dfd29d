package org.cutover.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cutover.api.GroupListener;
import org.cutover.bench.stats.CpuTally;
import org.cutover.bench.stats.Stats;
import org.cutover.bench.stats.SwitchSeries;
import org.cutover.bench.stats.ThreadCpu;
import org.cutover.core.internal.version.VersionNegotiator;
import org.jgroups.JChannel;
import org.jgroups.protocols.raft.RAFT;

/**
 * Adjust latency on N in-JVM nodes, asked from a node that does not lead the
 * log, beside two raw round trips from a non-leader: N plain channels of the
 * shipped lower stack with SEQUENCER as the order ({@link Stack#sequencer}),
 * and N bare jgroups-raft channels (the log engine alone: an entry of the size
 * of the adjust's own, until every member applied it and confirmed by unicast). All clusters of one
 * size run at once and the measurements are interleaved in blocks, so the
 * machine's noise falls on every figure alike and the ratios hold.
 */
final class AdjustBench {

    /** one adjust scenario on one cluster */
    static final class Scenario {
        final String name;
        final int groups;
        final boolean all;
        final CutoverCluster cluster;
        final SwitchSeries series;
        /** a node of this cluster that does not lead its log */
        int asker;
        /** CPU by kind of thread over the measured blocks, per switch */
        final CpuTally cpu = new CpuTally();

        Scenario(String name, int groups, boolean all, CutoverCluster cluster) {
            this.name = name;
            this.groups = groups;
            this.all = all;
            this.cluster = cluster;
            this.series = new SwitchSeries(all, "g0", 2);
        }
    }

    /**
     * @param raw     the SEQUENCER round trip
     * @param rawLog  the bare log round trip (jgroups-raft, send_commits_immediately) on the nodes' sends: the
     *                baseline of issue 10
     * @param rawPairCpu the CPU of one raw SEQUENCER and one raw log round trip, one after the other
     * @param blockingLog the same bare round trip with JGroups' blocking sends (a write on the caller's thread)
     * @param entryBytes the size of the bare log entry: the median of one group's adjust entries
     */
    record Result(int nodes, Stats raw, int rawTimeouts, Stats rawLog, int rawLogTimeouts, CpuTally rawPairCpu,
                  Stats blockingLog, int blockingLogTimeouts, int entryBytes, Map<String, Scenario> scenarios) {
    }

    private AdjustBench() {
    }

    static Result run(int nodes, int[] groupCounts, int switches, int block, int warmup, int warmupSeconds,
                      Path stateRoot) throws Exception {
        if (java.util.Arrays.stream(groupCounts).noneMatch(g -> g == 1)) {
            throw new IllegalArgumentException("--groups must include 1: one group's adjust entry sizes the bare one");
        }
        List<AutoCloseable> open = new ArrayList<>();
        try {
            long t0 = System.nanoTime();
            RawCluster raw = RawCluster.start("raw" + nodes, nodes);
            open.add(raw);
            // the baseline on the nodes' own sends (issue 10: "on the same stack"), and beside it the same log on
            // JGroups' blocking sends, which write on the caller's thread: what the sender thread per connection
            // costs a round trip
            LogEngineSpike.RaftCluster rawLog = LogEngineSpike.RaftCluster.start(nodes, false, true, 64L << 20, 1,
                    stateRoot.resolve("raw-log-" + nodes + "n"), true);
            open.add(rawLog);
            LogEngineSpike.RaftCluster blockingLog = LogEngineSpike.RaftCluster.start(nodes, false, true, 64L << 20,
                    1, stateRoot.resolve("raw-log-blocking-" + nodes + "n"), false);
            open.add(blockingLog);
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
            System.out.printf("  %d nodes: %d clusters up and joined in %.1f s%n", nodes, open.size(),
                    (System.nanoTime() - t0) / 1e9);

            int asker = nodes - 1; // a non-coordinator sends the raw SEQUENCER pings
            int logAsker = rawLog.follower();
            int blockingAsker = blockingLog.follower();
            for (Scenario s : scenarios.values()) {
                s.asker = follower(s.cluster);
                s.series.askerNode = "node" + (s.asker + 1); // CutoverCluster's names
            }
            int entryBytes = adjustEntryBytes(scenarios.values().stream().filter(s -> s.groups == 1).findFirst()
                    .orElseThrow());
            List<Long> rawTimes = new ArrayList<>();
            int rawTimeouts = 0;
            List<Long> rawLogTimes = new ArrayList<>();
            List<Long> blockingLogTimes = new ArrayList<>();
            int blockingLogTimeouts = 0;
            CpuTally rawPairCpu = new CpuTally();
            int rawLogTimeouts = 0;
            long pingId = 0;
            // warm-up blocks first (at least `warmup` switches and `warmupSeconds`), then measured blocks; each
            // block is even, so every scenario ends it at level 2
            long warmUntil = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            int warmed = 0;
            int measuredLeft = switches;
            while (measuredLeft > 0) {
                boolean measured = warmed >= warmup && System.nanoTime() - warmUntil >= 0;
                int n = measured ? Math.min(block, measuredLeft) : block;
                if (measured) {
                    measuredLeft -= n;
                } else {
                    warmed += n;
                }
                // one SEQUENCER ping, then one log ping: back to back, the log's pings took 0.55 ms on 3 nodes
                // (0.45 alternated) and 1.9 ms on 5, where send_commits_immediately's ping-pong made a round
                // trip cost 5.8 ms of CPU (2026-12-06). The blocking-sends log's pings are read apart
                ThreadCpu pings = ThreadCpu.start();
                for (int i = 0; i < n; i++) {
                    long t = raw.roundTrip(asker, ++pingId, 5_000);
                    if (t < 0) {
                        rawTimeouts++;
                    } else if (measured) {
                        rawTimes.add(t);
                    }
                    long[] l = rawLog.ping(logAsker, ++pingId, entryBytes);
                    if (l == null) {
                        rawLogTimeouts++;
                    } else if (measured) {
                        rawLogTimes.add(l[1]);
                    }
                }
                Map<String, Long> pingCpu = pings.byKind();
                if (measured) {
                    rawPairCpu.add(pingCpu, n);
                }
                for (int i = 0; i < n; i++) {
                    long[] l = blockingLog.ping(blockingAsker, ++pingId, entryBytes);
                    if (l == null) {
                        blockingLogTimeouts++;
                    } else if (measured) {
                        blockingLogTimes.add(l[1]);
                    }
                    // spaced as the other pings are, by a round trip of another cluster
                    if (raw.roundTrip(asker, ++pingId, 5_000) < 0) {
                        rawTimeouts++;
                    }
                }
                for (Scenario s : scenarios.values()) {
                    VersionNegotiator v = s.cluster.versions.get(s.asker);
                    // read in the warm-up too: its code compiled then, not in the measured blocks
                    ThreadCpu cpu = ThreadCpu.start();
                    for (int i = 0; i < n && !s.series.failing(); i++) {
                        s.series.switchOnce(v::adjust, measured);
                    }
                    Map<String, Long> used = cpu.byKind();
                    if (measured) {
                        s.cpu.add(used, n);
                    }
                }
            }
            return new Result(nodes, Stats.of(rawTimes), rawTimeouts, Stats.of(rawLogTimes), rawLogTimeouts, rawPairCpu,
                    Stats.of(blockingLogTimes), blockingLogTimeouts, entryBytes, scenarios);
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
     * The size of one group's adjust entry as it stands in the log (its envelopes, the author's session and
     * signature; the previous adjust's outcome rides with it): the median of the entries {@link #SIZING_SWITCHES}
     * switches of the scenario appended, not counted. Issue 10 compares the adjust with "a bare entry of the same
     * size"; the scenario ends at level 2, as a block does.
     */
    static int adjustEntryBytes(Scenario s) throws Exception {
        VersionNegotiator v = s.cluster.versions.get(s.asker);
        long from = s.cluster.lastAppended(s.asker);
        for (int i = 0; i < SIZING_SWITCHES && !s.series.failing(); i++) {
            s.series.switchOnce(v::adjust, false);
        }
        List<Integer> sizes = new ArrayList<>(s.cluster.entrySizes(s.asker, from, s.cluster.lastAppended(s.asker)));
        if (sizes.size() < SIZING_SWITCHES / 2) {
            throw new IllegalStateException(SIZING_SWITCHES + " adjusts appended " + sizes.size() + " entries");
        }
        sizes.sort(null);
        return sizes.get(sizes.size() / 2);
    }

    /** switches whose entries size the bare one; even, so the scenario ends at level 2 */
    static final int SIZING_SWITCHES = 20;

    /** the highest-numbered node that does not lead the cluster's log */
    static int follower(CutoverCluster c) {
        for (int i = c.channels.size() - 1; i >= 0; i--) {
            JChannel ch = c.channels.get(i);
            RAFT raft = ch.getProtocolStack().findProtocol(RAFT.class);
            if (raft != null && !raft.isLeader()) {
                return i;
            }
        }
        throw new IllegalStateException("every node leads the log?");
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
