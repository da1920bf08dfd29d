package org.cutover.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./cutover demo}: the rolling upgrade end to end on a fresh 3-node cluster under kv load, with a timed
 * report. Each step checks what it must by exit status and the shell's tables; a step that does not hold ends
 * the demo with what was seen.
 */
final class Demo {

    /** long enough to run through the upgrade and the adjust (each step is a few ssh round trips) */
    private static final int WRITES = 40_000;
    private static final int RATE = 400;

    private final LocalCluster cluster;
    private final PrintStream out;
    private final Map<String, Double> phases = new LinkedHashMap<>();

    Demo(LocalCluster cluster, PrintStream out) {
        this.cluster = cluster;
        this.out = out;
    }

    void run() throws IOException {
        long all = System.nanoTime();
        if (!cluster.nodes().isEmpty()) {
            out.println("demo: starts from a fresh cluster; removing the previous " + cluster.root());
            cluster.clean(out::println);
        }
        step("1. start three nodes (infrastructure 1.0.0)");
        long t = System.nanoTime();
        List<KarafNode> nodes = cluster.start(3, out::println);
        phase("start 3 nodes, one view", t);
        KarafNode n1 = nodes.get(0);
        KarafNode n2 = nodes.get(1);
        KarafNode n3 = nodes.get(2);

        step("2. install the example application (group kv) on each node");
        t = System.nanoTime();
        for (KarafNode n : nodes) {
            n.installFeature("cutover-example");
        }
        LocalCluster.await("group kv with a member on each node", cluster.timeouts().poll(),
                () -> LocalCluster.group(n1, "kv").map(g -> nodes.stream().allMatch(n -> g.hasMemberOn(n.name)))
                        .orElse(false), () -> n1.shell("cluster:group-list").output());
        show(n1, "cluster:group-list");
        phase("example installed, kv has 3 members", t);
        if (show(n1, "kv:verify").succeeded()) {
            throw new CommandFailedException("demo: kv:verify worked at level 1");
        }
        out.println("    (refused, as it should be: level 1 has no request-to-all-members)");

        step("3. kv:load on node1: " + WRITES + " writes at " + RATE + "/s");
        long load = System.nanoTime();
        show(n1, "kv:load --count " + WRITES + " --rate " + RATE).orThrow(n1.name);

        step("4. rolling hot install of infrastructure 2.0.0 by one cluster:upgrade, under the load");
        t = System.nanoTime();
        ShellResult check = show(n1, "cluster:version-check --to 2 --all");
        if (check.succeeded() || !check.output().contains("NODE_INCAPABLE")) {
            throw new CommandFailedException("demo: version-check did not fail with NODE_INCAPABLE while no node "
                    + "has 2.0.0");
        }
        out.println("    (fails with NODE_INCAPABLE, exit status " + check.exitStatus()
                + ": no node can run level 2 yet)");
        show(n1, "cluster:upgrade --dry-run cutover-infra/2.0.0").orThrow(n1.name);
        out.println("    (every node simulated the install with Karaf's resolver; nothing changed)");
        out.println("n1> cluster:upgrade cutover-infra/2.0.0");
        n1.shell("cluster:upgrade cutover-infra/2.0.0", Duration.ofMinutes(5), new Indented(out)).orThrow(n1.name);
        out.println("    (one entry of the cluster log; each node installed from its own system/ when the one before it");
        out.println("     was capable, and reported its progress in the log)");
        phase("cluster:upgrade of 2.0.0 on 3 nodes", t);
        show(n1, "cluster:node-list");

        step("5. every node runs level 2: the cluster adjusts kv by itself, one ordered message, under the load");
        t = System.nanoTime();
        LocalCluster.await("kv at level 2 on every node", cluster.timeouts().poll(),
                () -> nodes.stream().allMatch(n -> LocalCluster.group(n, "kv").map(g -> g.level() == 2).orElse(false)),
                () -> n1.shell("cluster:group-list").output());
        show(n2, "cluster:group-list");
        if (!show(n2, "cluster:version-history kv").orThrow(n2.name).contains("auto@")) {
            throw new CommandFailedException("demo: the history names no automatic adjust");
        }
        phase("automatic adjust (one message), seen on 3 nodes", t);
        Map<String, String> atAdjust = KvStats.of(n1);
        if (!atAdjust.getOrDefault("load", "").startsWith("running")) {
            throw new CommandFailedException("demo: the load ended before the adjust: " + atAdjust);
        }
        out.println("    node1's load at the switch: " + atAdjust.get("load"));

        step("6. let the load finish at level 2, every member applies every write");
        t = System.nanoTime();
        LocalCluster.await("node1's load done", Duration.ofSeconds(3L * WRITES / RATE),
                () -> KvStats.of(n1).getOrDefault("load", "").startsWith("done"), () -> KvStats.of(n1).toString());
        long sent = KvStats.counter(KvStats.of(n1), "sent");
        for (KarafNode n : nodes) {
            LocalCluster.await(n.name + " applied " + sent + " writes", cluster.timeouts().poll(),
                    () -> KvStats.counter(KvStats.of(n), "applied") == sent, () -> KvStats.of(n).toString());
        }
        phase("load finished (from the adjust), all applied", t);
        phase("kv:load in total", load);

        step("7. kv:verify (level 2: request to every member, compare digests)");
        t = System.nanoTime();
        show(n3, "kv:verify").orThrow(n3.name);
        phase("kv:verify", t);
        show(n1, "cluster:version-history");

        step("report");
        out.printf("%-48s %8s%n", "phase", "seconds");
        phases.forEach((phase, secs) -> out.printf("%-48s %8.1f%n", phase, secs));
        out.printf("%-48s %8.1f%n%n", "demo in total", seconds(all));
        out.printf("%-7s %7s %8s %8s %6s %11s %10s %s%n", "node", "sent", "applied", "entries", "lost", "duplicated",
                "reordered", "group");
        long lost = 0;
        boolean bad = false;
        for (KarafNode n : nodes) {
            Map<String, String> s = KvStats.of(n);
            out.printf("%-7s %7s %8s %8s %6s %11s %10s %s%n", n.name, s.get("sent"), s.get("applied"), s.get("entries"),
                    s.get("lost"), s.get("duplicated"), s.get("reordered"), s.get("group"));
            lost += KvStats.counter(s, "lost");
            bad |= KvStats.counter(s, "lost") + KvStats.counter(s, "duplicated") + KvStats.counter(s, "reordered") != 0
                    || KvStats.counter(s, "applied") != sent;
        }
        out.println("writes sent: " + sent + "; lost: " + lost);
        if (bad) {
            throw new CommandFailedException("demo: some member lost, duplicated or reordered writes");
        }
        out.println();
        out.println("The cluster is still running. Explore it:");
        out.println("  ./cutover status");
        out.println("  ./cutover shell node2 'cluster:group-list'");
        out.println("  ./cutover shell node1 'cluster:version-history'");
        out.println("  ./cutover upgrade-status                        (the last cluster:upgrade)");
        out.println("  ./cutover restart node2                         (restart mode: members leave and rejoin)");
        out.println("  ./cutover kill node3; ./cutover shell node1 'cluster:version-check --all --to 2'");
        out.println("  ./cutover stop                                  (orderly stop of every node)");
        out.println("  ./cutover clean                                 (stop and remove run/)");
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }

    private void phase(String name, long startNanos) {
        phases.put(name, seconds(startNanos));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** echoes the command, runs it, indents its output; the result for the caller to check */
    private ShellResult show(KarafNode node, String command) {
        out.println(node.name + "> " + command);
        ShellResult r = node.shell(command);
        r.output().lines().forEach(l -> out.println("    " + l));
        return r;
    }

    /** the output of a command indented as {@link #show} does, line by line as it comes */
    private static final class Indented extends java.io.OutputStream {
        private final PrintStream out;
        private boolean lineStart = true;

        Indented(PrintStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            if (lineStart && b != '\n' && b != '\r') {
                out.print("    ");
            }
            out.write(b);
            lineStart = b == '\n';
        }

        @Override
        public void flush() {
            out.flush();
        }
    }
}
