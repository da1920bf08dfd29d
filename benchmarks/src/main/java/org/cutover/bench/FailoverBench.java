package org.cutover.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.GroupListener;
import org.cutover.api.MembershipChange;
import org.cutover.bench.stats.Stats;

/**
 * Issue 10's failover figures, in one JVM on the shipped stack and timings:
 * how long after the log's leader is killed a send on a surviving node
 * returns again, how long until the survivors have a new leader, and how
 * long the killed node takes from its restart until it is back in the cluster
 * log. A writer on a node that does not lead sends without pause (each
 * {@code send} waits for its commit); the leader's protocol stack is stopped
 * at once (sockets closed, no leave), as a kill -9 does to a process, so the
 * others notice it through FD_SOCK2 and VERIFY_SUSPECT2 (1.5 s) as they would.
 *
 * {@code --prefill N} first fills the log with about N small entries (a sequential writer on every node, so
 * one entry per send), for the cost of the replay at a restart: a node replays its log from its last checkpoint
 * ({@code log.checkpoint.entries}, 10,000), or from its last snapshot when it has none. With
 * {@code --baseline true} every second restart runs without checkpoints (0), the same run's baseline.
 *
 * <pre>BENCH_MAIN=org.cutover.bench.FailoverBench benchmarks/run [--nodes 3] [--kills 10] [--prefill 0] [--baseline false]</pre>
 */
public final class FailoverBench {

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Bench.parse(args);
        int size = Integer.parseInt(o.getOrDefault("nodes", "3"));
        int kills = Integer.parseInt(o.getOrDefault("kills", "10"));
        long prefill = Long.parseLong(o.getOrDefault("prefill", "0"));
        boolean baseline = Boolean.parseBoolean(o.getOrDefault("baseline", "false"));
        Logger.getLogger("").setLevel(Level.SEVERE);
        for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(Level.SEVERE);
        }
        double loadStart = Bench.load1();
        List<Long> resume = new ArrayList<>();
        List<Long> elected = new ArrayList<>();
        List<Long> rejoin = new ArrayList<>();
        List<Long> rejoinWithout = new ArrayList<>();
        long failedSends = 0;
        try (CutoverCluster c = CutoverCluster.start("failover", size, Path.of("target", "bench-state"))) {
            if (prefill > 0) {
                prefill(c, size, prefill);
            }
            for (int k = 0; k < kills; k++) {
                int leader = awaitLeader(c, size);
                int writerNode = (leader + 1) % size;
                Group g = c.nodes.get(writerNode).join("failover-" + k, new Quiet());
                Writer w = new Writer(g);
                Thread t = new Thread(w, "writer");
                t.start();
                Thread.sleep(1000); // steady sending first
                c.kill(leader);
                long killed = System.nanoTime(); // once its sockets are closed: nothing sent later reaches it
                long newLeader = -1;
                long deadline = killed + 60_000_000_000L;
                while (System.nanoTime() < deadline && (newLeader < 0 || w.firstSuccessAfter(killed) < 0)) {
                    if (newLeader < 0) {
                        for (int i = 0; i < size; i++) {
                            if (i != leader && c.leads(i)) {
                                newLeader = System.nanoTime() - killed;
                            }
                        }
                    }
                    Thread.sleep(1);
                }
                long firstAfter = w.firstSuccessAfter(killed);
                w.running = false;
                t.join(15_000);
                failedSends += w.failed.get();
                resume.add(firstAfter < 0 ? -1 : firstAfter - killed);
                elected.add(newLeader);
                boolean without = baseline && k % 2 == 1;
                long restarted = System.nanoTime();
                c.restart(leader, without ? 0 : org.cutover.core.internal.NodeSettings.DEFAULT_LOG_CHECKPOINT_ENTRIES);
                long back = System.nanoTime() - restarted;
                (without ? rejoinWithout : rejoin).add(back);
                System.out.printf(Locale.ROOT, "kill %d of node%d: send returns after %s ms, new leader after %s ms,"
                        + " back in the log %s ms after its restart (%s), its log after its snapshot %s%n", k + 1,
                        leader + 1, Stats.ms(resume.get(k)), Stats.ms(newLeader), Stats.ms(back),
                        without ? "no checkpoint" : "checkpoint at " + c.checkpointRestored(leader),
                        c.logAfterSnapshot(leader));
            }
        }
        double load = Math.max(loadStart, Bench.load1());
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%nFailover, %d nodes in one JVM, shipped stack and timings, %d kills"
                + " of the log's leader (stack stopped: sockets closed, no leave)%n", size, kills));
        table.append(String.format(Locale.ROOT, "load average (1 min) up to %.2f on %d cores%s%n", load, cores,
                load > cores ? " — NOISY, not a result" : ""));
        table.append(String.format(Locale.ROOT, "%-58s %9s %9s %9s%n", "what", "p50 ms", "max ms", "min ms"));
        Stats.row(table, 58, 9, "leader killed → a send started after it returns", resume, Stats::ms, 60);
        Stats.row(table, 58, 9, "leader killed → a survivor leads", elected, Stats::ms, 60);
        Stats.row(table, 58, 9, "killed node restarted → back in the cluster log", rejoin, Stats::ms, 60);
        if (!rejoinWithout.isEmpty()) {
            Stats.row(table, 58, 9, "  the same without checkpoints (baseline)", rejoinWithout, Stats::ms, 60);
        }
        table.append(String.format(Locale.ROOT, "sends that failed (GroupException) while the leader was gone: %d%n",
                failedSends));
        System.out.print(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "failover-table.txt"), table.toString(), StandardCharsets.UTF_8);
        System.out.println("load average at end " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.exit(0);
    }


    /** about {@code entries} log entries: one sequential writer per node, each send its own entry */
    private static void prefill(CutoverCluster c, int size, long entries) throws Exception {
        long start = System.nanoTime();
        long first = c.commitIndex(0);
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Group g = c.nodes.get(i).join("prefill", new Quiet());
            Thread t = new Thread(() -> {
                byte[] small = new byte[32];
                while (c.commitIndex(0) - first < entries) {
                    try {
                        g.send(small);
                    } catch (GroupException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "prefill-" + i);
            writers.add(t);
            t.start();
        }
        for (Thread t : writers) {
            t.join();
        }
        System.out.printf(Locale.ROOT, "prefilled %d entries in %s ms%n", c.commitIndex(0) - first,
                Stats.ms(System.nanoTime() - start));
    }

    /** the node that leads the cluster log, once one does */
    static int awaitLeader(CutoverCluster c, int size) throws InterruptedException {
        long deadline = System.nanoTime() + CutoverCluster.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < size; i++) {
                if (c.leads(i)) {
                    return i;
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no leader within " + CutoverCluster.WAIT);
    }

    /** sends without pause; remembers when each send returned */
    private static final class Writer implements Runnable {
        private final Group group;
        /** start and end of every send that returned */
        private final List<long[]> successes = new ArrayList<>();
        final AtomicLong lastSuccess = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        volatile boolean running = true;

        Writer(Group group) {
            this.group = group;
        }

        @Override
        public void run() {
            byte[] payload = new byte[64];
            while (running) {
                long started = System.nanoTime();
                try {
                    group.send(payload);
                    long now = System.nanoTime();
                    synchronized (successes) {
                        successes.add(new long[] {started, now});
                    }
                    lastSuccess.set(now);
                } catch (GroupException e) {
                    failed.incrementAndGet();
                }
            }
        }

        /** when the first send that started after {@code t} returned (one in flight at t may return sooner) */
        long firstSuccessAfter(long t) {
            synchronized (successes) {
                for (long[] s : successes) {
                    if (s[0] > t) {
                        return s[1];
                    }
                }
            }
            return -1;
        }
    }

    private static final class Quiet implements GroupListener {
        @Override
        public void onMessage(org.cutover.api.Delivery delivery) {
        }

        @Override
        public void onMembershipChange(MembershipChange change) {
        }
    }
}
