package org.cutover.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.cutover.api.Group;
import org.cutover.bench.stats.Json;
import org.cutover.bench.stats.Stats;
import org.cutover.bench.stats.SwitchSeries;
import org.cutover.bench.stats.ThreadCpu;
import org.cutover.core.internal.version.VersionNegotiator;

/**
 * What mutual TLS costs, against plain TCP in the same run: two 3-node clusters on the shipped stack in one JVM,
 * one with the shipped TLS and one with {@code tls.enabled="false"}, otherwise the same (both sign their log
 * entries and unicasts). Each measurement alternates between them, so the machine's noise falls on both:
 * <ul>
 *   <li>adjust of group {@code t} (levels 1 and 2) asked from a node that does not lead, in blocks of 20, after
 *       {@code --warmup-seconds} of switches that are not counted; and the process's CPU time per adjust
 *       (both clusters' idle cost included, the same for both);</li>
 *   <li>bursts: every member sends {@code --burst} messages at once with {@code sendAsync} (msgs/s delivered);
 *       this saturates both cores, so its load average is above 2 by construction; and the process's CPU time
 *       per message delivered meanwhile: on cores the bursts saturate, throughput is the cores over it, and
 *       unlike the rate it does not depend on what else the machine runs at that moment;</li>
 *   <li>paced: the three members together offer {@code --rate} msgs/s for {@code --seconds} (open loop), well
 *       below saturation (at that rate nearly every message is a log entry of its own); the process's CPU time
 *       per message sent, less the load generator's, is what TLS costs in itself, whatever the machine has to
 *       spare, and the load average stays a result. It includes the other cluster's idle cost (about 0.07 of
 *       a core per 3 nodes here), the same for both.</li>
 * </ul>
 *
 * <pre>BENCH_MAIN=org.cutover.bench.TlsCostBench benchmarks/run [--parts adjust,throughput] [--payloads 1024,64]
 *     [--rounds 3] [--switches 2000] [--warmup-seconds 10] [--burst 30000] [--rate 300] [--seconds 8]
 *     [--threads true] [--control true] [--settle-load 0.6]</pre>
 * {@code --threads true} adds the adjust's CPU by kind of thread (from /proc, GC and JIT threads too): a diagnosis
 * whose reading of /proc adds to the process's CPU per adjust of both sides. {@code --control true} makes the TLS
 * side a second plain cluster: its ratios show how far two identical sides differ in one run. Every measured adjust's
 * wall time goes to {@code target/tls-adjust-samples.csv}. {@code --settle-load} waits after the warm-up until the
 * load average has fallen that low, so that the adjusts can count as a result.
 */
public final class TlsCostBench {

    private static final int MEMBERS = 3;
    private static final int BLOCK = 20;
    private static final int SETTLE_MAX_SECONDS = 300;

    private TlsCostBench() {
    }

    /** one cluster under test: its members of group t and what they delivered */
    private static final class Side {
        final String name;
        final CutoverCluster cluster;
        final List<Group> members;
        final Bursts bursts = new Bursts(MEMBERS);
        final AtomicLong[] delivered = bursts.delivered;
        final SwitchSeries switches = new SwitchSeries(false, "t", 2);
        final VersionNegotiator asker;
        final List<Double> burstRates = new ArrayList<>();
        final List<Double> burstCpuPerMessage = new ArrayList<>();
        /** the process's read and write calls per message delivered in the bursts (Linux's /proc/self/io) */
        final List<Double> burstReadsPerMessage = new ArrayList<>();
        final List<Double> burstWritesPerMessage = new ArrayList<>();
        final List<Double> cpuPerMessage = new ArrayList<>();
        final List<Double> pacedRates = new ArrayList<>();
        final List<Double> loads = new ArrayList<>();
        long adjustCpuNanos;
        long adjustAllocatedBytes;
        int adjustsTimed;
        /** with --threads: CPU nanoseconds while this side switched, by kind of thread */
        final Map<String, Long> adjustCpuByKind = new java.util.HashMap<>();

        Side(String name, boolean tls) throws Exception {
            this.name = name;
            cluster = CutoverCluster.start("tls-cost-" + name, MEMBERS, Path.of("target", "bench-state"), false,
                    Stack.shipped(MEMBERS, tls));
            members = cluster.joinEverywhere("t", bursts::listener);
            asker = cluster.versions.get(AdjustBench.follower(cluster));
        }

        /**
         * what the transport dropped and the layers above sent again, over the side's channels: a non-blocking
         * connection drops a buffer that finds its queue full, and NAKACK2 or UNICAST3 send it again later
         */
        String resent() {
            long dropped = 0;
            long multicasts = 0;
            long unicasts = 0;
            for (org.jgroups.JChannel ch : cluster.channels) {
                org.jgroups.stack.ProtocolStack stack = ch.getProtocolStack();
                if (stack.getTransport() instanceof org.cutover.jgroups.tcp.CoalescingTCP t) {
                    dropped += t.droppedBuffers();
                }
                org.jgroups.protocols.pbcast.NAKACK2 nakack = stack.findProtocol(
                        org.jgroups.protocols.pbcast.NAKACK2.class);
                org.jgroups.protocols.UNICAST3 unicast = stack.findProtocol(org.jgroups.protocols.UNICAST3.class);
                multicasts += nakack == null ? 0 : nakack.getXmitResponsesSent();
                unicasts += unicast == null ? 0 : unicast.getNumXmits();
            }
            return String.format(Locale.ROOT, "%,d buffers dropped by CoalescingTCP's connections open now, %,d"
                    + " multicasts and %,d unicasts sent again", dropped, multicasts, unicasts);
        }

        /** every member sends {@code burst} at once; msgs/s until every member delivered all */
        double burst(byte[] payload, long burst) throws Exception {
            long[] io0 = syscalls();
            long cpu0 = processCpuNanos();
            double rate = bursts.burst(members, payload, burst);
            // every member delivers what all of them sent
            long messages = burst * MEMBERS;
            burstCpuPerMessage.add((processCpuNanos() - cpu0) / 1e3 / messages);
            long[] io1 = syscalls();
            burstReadsPerMessage.add((double) (io1[0] - io0[0]) / messages);
            burstWritesPerMessage.add((double) (io1[1] - io0[1]) / messages);
            return rate;
        }

        /** the members together offer {@code rate} msgs/s for {@code seconds}; CPU µs per message sent */
        void paced(byte[] payload, double rate, int seconds) throws Exception {
            ThroughputBench.settle();
            long before = delivered[0].get();
            OpenLoad load = new OpenLoad(members, payload, rate / MEMBERS);
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            load.start();
            Thread.sleep(seconds * 1000L);
            long loadCpu = load.cpuNanos(); // the load generator's own pacing is not the cluster's cost
            load.stop();
            long sent = load.sent.get();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (delivered[0].get() - before < sent && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long cpu1 = processCpuNanos();
            long t1 = System.nanoTime();
            if (delivered[0].get() - before < sent) {
                throw new IllegalStateException(name + ": " + (delivered[0].get() - before) + " of " + sent
                        + " delivered on node1 a minute after the paced load stopped");
            }
            cpuPerMessage.add((cpu1 - cpu0 - loadCpu) / 1e3 / sent);
            pacedRates.add(sent / ((t1 - t0) / 1e9));
            loads.add(Bench.load1());
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Bench.parse(args);
        int[] payloads = java.util.Arrays.stream(o.getOrDefault("payloads", "1024,64").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "3"));
        int switches = Integer.parseInt(o.getOrDefault("switches", "2000"));
        long warmupNanos = (long) (Double.parseDouble(o.getOrDefault("warmup-seconds", "10")) * 1e9);
        List<String> parts = List.of(o.getOrDefault("parts", "adjust,throughput").split(","));
        boolean byThread = Boolean.parseBoolean(o.getOrDefault("threads", "false"));
        long burst = Long.parseLong(o.getOrDefault("burst", "30000"));
        double rate = Double.parseDouble(o.getOrDefault("rate", "300"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "8"));
        boolean control = Boolean.parseBoolean(o.getOrDefault("control", "false"));
        double settleLoad = Double.parseDouble(o.getOrDefault("settle-load", "0"));
        Logger.getLogger("").setLevel(Level.SEVERE);
        for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.SEVERE);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double loadStart = Bench.load1();
        StringBuilder table = new StringBuilder();
        Json.Obj json = new Json.Obj().put("when", Instant.now().toString()).put("cpus", cores)
                .put("load_average_at_start", loadStart)
                .put("options", new Json.Obj().put("parts", String.join(",", parts)).put("rounds", rounds)
                        .put("switches", switches).put("warmup_seconds", warmupNanos / 1e9).put("burst", burst)
                        .put("rate", rate).put("seconds", seconds).put("control", control)
                        .put("settle_load", settleLoad));
        Side plain = new Side("plain", false);
        Side tls = control ? new Side("plain2", false) : new Side("tls", true);
        try {
            List<Side> sides = List.of(plain, tls);
            table.append(String.format(Locale.ROOT, "%nMutual TLS against plain TCP: two 3-node clusters in one JVM"
                    + " on %d cores, shipped stack, both signing; each row alternates between them%n%s", cores,
                    control ? "CONTROL RUN: the column TLS is a second plain cluster (the ratios' own noise)\n" : ""));
            table.append(String.format(Locale.ROOT, "%-40s %12s %12s %8s  %s%n", "", "plain", "TLS", "TLS/plain",
                    "load average (1 min)"));
            if (parts.contains("adjust")) {
                adjusts(sides, switches, warmupNanos, settleLoad, byThread, cores, loadStart, table, json);
            }
            if (parts.contains("throughput")) {
                throughput(sides, payloads, rounds, burst, rate, seconds, cores, table, json);
            }
            for (Side s : sides) {
                String resent = s.resent();
                table.append(String.format(Locale.ROOT, "%s: %s%n", s.name, resent));
            }
        } finally {
            tls.cluster.close();
            plain.cluster.close();
        }
        json.put("load_average_at_end", Bench.load1());
        System.out.print(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "tls-cost-table.txt"), table.toString(), StandardCharsets.UTF_8);
        Files.writeString(Path.of("target", "tls-cost.json"), json + "\n", StandardCharsets.UTF_8);
        System.out.println("wrote target/tls-cost.json; load average at end " + Bench.load1());
        System.exit(0);
    }

    /** both sides switch t in alternated blocks, first for {@code warmupNanos} uncounted, then {@code switches} */
    private static void adjusts(List<Side> sides, int switches, long warmupNanos, double settleLoad, boolean byThread,
            int cores, double loadStart, StringBuilder table, Json.Obj json) throws Exception {
        Side plain = sides.get(0);
        Side tls = sides.get(1);
        long warmEnd = System.nanoTime() + warmupNanos;
        for (int block = 0; block == 0 || System.nanoTime() < warmEnd; block++) {
            for (Side s : inTurn(sides, block)) {
                for (int i = 0; i < BLOCK; i++) {
                    s.switches.switchOnce(s.asker::adjust, false);
                }
            }
        }
        double adjustLoad = loadStart;
        if (settleLoad > 0) {
            adjustLoad = settle(settleLoad, table);
        }
        for (int done = 0; done < switches; done += BLOCK) {
            for (Side s : inTurn(sides, done / BLOCK)) {
                ThreadCpu threads = byThread ? ThreadCpu.start() : null;
                long cpu0 = processCpuNanos();
                long allocated0 = allocatedBytes();
                int i = 0;
                for (; i < BLOCK && !s.switches.failing(); i++) {
                    s.switches.switchOnce(s.asker::adjust, true);
                }
                s.adjustCpuNanos += processCpuNanos() - cpu0;
                s.adjustAllocatedBytes += allocatedBytes() - allocated0;
                s.adjustsTimed += i;
                if (threads != null) {
                    // the clusters' names tell their threads apart: without them, a kind is the same on both sides
                    threads.byKind().forEach((kind, nanos) -> s.adjustCpuByKind.merge(
                            kind.replace("tls-cost-" + s.name, "tls-cost-*"), nanos, Long::sum));
                }
            }
            adjustLoad = Math.max(adjustLoad, Bench.load1());
        }
        writeSamples(sides);
        Stats ps = Stats.of(plain.switches.wall);
        Stats ts = Stats.of(tls.switches.wall);
        String adjustNoise = adjustLoad > cores ? " NOISY" : "";
        row(table, "adjust p50, ms", ps.p50() / 1e6, ts.p50() / 1e6, adjustLoad, adjustNoise);
        row(table, "adjust p99, ms", ps.p99() / 1e6, ts.p99() / 1e6, adjustLoad, adjustNoise);
        double plainCpu = plain.adjustCpuNanos / 1e3 / Math.max(1, plain.adjustsTimed);
        double tlsCpu = tls.adjustCpuNanos / 1e3 / Math.max(1, tls.adjustsTimed);
        row(table, "adjust, CPU µs per adjust", plainCpu, tlsCpu, adjustLoad, byThread
                ? " (with --threads: includes reading /proc per block)" : "");
        double plainAlloc = plain.adjustAllocatedBytes / 1024.0 / Math.max(1, plain.adjustsTimed);
        double tlsAlloc = tls.adjustAllocatedBytes / 1024.0 / Math.max(1, tls.adjustsTimed);
        row(table, "adjust, KB allocated per adjust", plainAlloc, tlsAlloc, adjustLoad, "");
        if (byThread) {
            // a diagnosis, not a figure: where TLS's extra CPU goes, GC and JIT threads included
            java.util.Set<String> kinds = new java.util.TreeSet<>(plain.adjustCpuByKind.keySet());
            kinds.addAll(tls.adjustCpuByKind.keySet());
            double load = adjustLoad;
            kinds.stream().sorted(java.util.Comparator.comparingLong((String k) -> -Math.max(
                    plain.adjustCpuByKind.getOrDefault(k, 0L), tls.adjustCpuByKind.getOrDefault(k, 0L))))
                    .limit(14).forEach(k -> row(table, "  µs/adjust " + k,
                            plain.adjustCpuByKind.getOrDefault(k, 0L) / 1e3 / Math.max(1, plain.adjustsTimed),
                            tls.adjustCpuByKind.getOrDefault(k, 0L) / 1e3 / Math.max(1, tls.adjustsTimed),
                            load, ""));
        }
        json.put("adjust", new Json.Obj().put("plain", ps.toJson()).put("tls", ts.toJson())
                .put("plain_cpu_us_per_adjust", plainCpu).put("tls_cpu_us_per_adjust", tlsCpu)
                .put("plain_kb_allocated_per_adjust", plainAlloc).put("tls_kb_allocated_per_adjust", tlsAlloc)
                .put("plain_failures", plain.switches.failures.size())
                .put("tls_failures", tls.switches.failures.size()).put("load_average", adjustLoad));
    }

    /** bursts and paced load per payload, each round alternating which side goes first */
    private static void throughput(List<Side> sides, int[] payloads, int rounds, long burst, double rate,
            int seconds, int cores, StringBuilder table, Json.Obj json) throws Exception {
        Side plain = sides.get(0);
        Side tls = sides.get(1);
        Json.Arr per = new Json.Arr();
        for (int payload : payloads) {
            byte[] bytes = new byte[payload];
            for (Side s : sides) {
                s.burst(bytes, Math.max(1, burst / 5)); // warm-up
                s.paced(bytes, rate, 2);
                s.burstRates.clear();
                s.burstCpuPerMessage.clear();
                s.burstReadsPerMessage.clear();
                s.burstWritesPerMessage.clear();
                s.cpuPerMessage.clear();
                s.pacedRates.clear();
                s.loads.clear();
            }
            // paced first: the bursts' load average takes minutes to decay. Each round swaps which side goes
            // first (the first of a pair ran at up to half the rate in early tries: the JIT, the heap)
            for (int r = 0; r < rounds; r++) {
                for (Side s : inTurn(sides, r)) {
                    s.paced(bytes, rate, seconds);
                }
            }
            double burstLoad = Bench.load1();
            for (int r = 0; r < rounds; r++) {
                for (Side s : inTurn(sides, r)) {
                    s.burstRates.add(s.burst(bytes, burst));
                    burstLoad = Math.max(burstLoad, Bench.load1());
                }
            }
            double pacedLoad = java.util.stream.Stream.of(plain.loads, tls.loads).flatMap(List::stream)
                    .mapToDouble(Double::doubleValue).max().orElse(0);
            row(table, payload + " B burst, msgs/s (median of " + rounds + ")", median(plain.burstRates),
                    median(tls.burstRates), burstLoad, burstLoad > cores ? " NOISY (saturating by design)" : "");
            row(table, payload + " B burst, CPU µs per msg delivered", median(plain.burstCpuPerMessage),
                    median(tls.burstCpuPerMessage), burstLoad, "");
            row(table, payload + " B burst, reads per msg delivered", median(plain.burstReadsPerMessage),
                    median(tls.burstReadsPerMessage), burstLoad, "");
            row(table, payload + " B burst, writes per msg delivered", median(plain.burstWritesPerMessage),
                    median(tls.burstWritesPerMessage), burstLoad, "");
            row(table, payload + " B paced " + Math.round(rate) + "/s, CPU µs/msg", median(plain.cpuPerMessage),
                    median(tls.cpuPerMessage), pacedLoad, pacedLoad > cores ? " NOISY" : "");
            row(table, payload + " B paced, msgs/s achieved", median(plain.pacedRates), median(tls.pacedRates),
                    pacedLoad, "");
            per.add(new Json.Obj().put("payload_bytes", payload)
                    .put("burst_msgs_per_s", new Json.Obj().put("plain", arr(plain.burstRates))
                            .put("tls", arr(tls.burstRates)).put("load_average", burstLoad))
                    .put("burst_cpu_us_per_msg", new Json.Obj().put("plain", arr(plain.burstCpuPerMessage))
                            .put("tls", arr(tls.burstCpuPerMessage)))
                    .put("burst_reads_per_msg", new Json.Obj().put("plain", arr(plain.burstReadsPerMessage))
                            .put("tls", arr(tls.burstReadsPerMessage)))
                    .put("burst_writes_per_msg", new Json.Obj().put("plain", arr(plain.burstWritesPerMessage))
                            .put("tls", arr(tls.burstWritesPerMessage)))
                    .put("paced_cpu_us_per_msg", new Json.Obj().put("plain", arr(plain.cpuPerMessage))
                            .put("tls", arr(tls.cpuPerMessage)).put("load_average", pacedLoad))
                    .put("paced_msgs_per_s", new Json.Obj().put("plain", arr(plain.pacedRates))
                            .put("tls", arr(tls.pacedRates))));
        }
        json.put("payloads", per);
    }

    /** the read and write calls this process made so far (syscr, syscw of /proc/self/io); zeros where there is none */
    private static long[] syscalls() {
        long[] rw = new long[2];
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("syscr:")) {
                    rw[0] = Long.parseLong(line.substring(6).trim());
                } else if (line.startsWith("syscw:")) {
                    rw[1] = Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the rows show 0
        }
        return rw;
    }

    /** bytes allocated by every Java thread since the JVM started (threads that ended are not counted) */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    /** the CPU time of this JVM, all its threads */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void row(StringBuilder table, String what, double plain, double tls, double load, String note) {
        table.append(String.format(Locale.ROOT, "%-40s %12.2f %12.2f %7.0f%%  %.2f%s%n", what, plain, tls,
                100 * tls / plain, load, note));
    }

    /** both sides, the first of them swapped every other round */
    /**
     * Waits, at most {@link #SETTLE_MAX_SECONDS}, until the 1-minute load average has fallen to {@code below}: a
     * minute of warm-up takes it to 2.5-4.7 with both clusters in one JVM on 2 cores, and the measured adjusts
     * (about 10 s) then count as noise by the project's rule whatever they show. The JIT's work stays done, the
     * clusters idle meanwhile (heartbeats only). Returns the load the measurement begins at.
     */
    private static double settle(double below, StringBuilder table) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + SETTLE_MAX_SECONDS * 1_000_000_000L;
        double load = Bench.load1();
        while (load > below && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            load = Bench.load1();
        }
        table.append(String.format(Locale.ROOT, "adjusts begun at load %.2f after %.0f s of settling (target %.2f)%n",
                load, (System.nanoTime() - start) / 1e9, below));
        return load;
    }

    /** every measured adjust's wall time in the order taken, a line per side and adjust: where a tail comes from */
    private static void writeSamples(List<Side> sides) throws java.io.IOException {
        StringBuilder out = new StringBuilder("side,index,nanos\n");
        for (Side s : sides) {
            for (int i = 0; i < s.switches.wall.size(); i++) {
                out.append(s.name).append(',').append(i).append(',').append(s.switches.wall.get(i)).append('\n');
            }
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "tls-adjust-samples.csv"), out, StandardCharsets.UTF_8);
    }

    private static List<Side> inTurn(List<Side> sides, int round) {
        return round % 2 == 0 ? sides : List.of(sides.get(1), sides.get(0));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }

    private static Json.Arr arr(List<Double> values) {
        Json.Arr a = new Json.Arr();
        values.forEach(a::add);
        return a;
    }
}
