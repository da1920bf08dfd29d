package org.cutover.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./cutover COMMAND}: a local Cutover cluster of real Karaf processes on loopback. Exit status 0 on
 * success, 1 when a command failed (the message says what was seen), 2 on a wrong call; {@code shell} exits
 * with the Karaf command's own status.
 */
public final class Cutover {

    static final String USAGE = String.join("\n",
            "usage: ./cutover COMMAND [ARGS]",
            "",
            "  start [N] [--hosts]          start N nodes (default 3; existing nodes are reused), return",
            "                               when all of them are ACTIVE in one view; --hosts: each node in",
            "                               a network namespace with its own address on a private bridge",
            "                               (root, iproute2), as on machines of their own",
            "  net partition A,B C[,D] ...  cut the private network between the sides (nodes by number or",
            "                               name; a node on no side keeps every path)",
            "  net loss NODE PCT            drop PCT % of NODE's packets each way, at random (0 ends it)",
            "  net delay NODE MS [JITTER]   hold the packets NODE sends MS ms (+- JITTER), in order (0 ends it)",
            "  net reorder NODE PCT [MS]    send PCT % of NODE's packets at once, the rest MS ms later (10)",
            "  net heal                     remove every cut, loss and delay",
            "  net status                   each node's address, what it is cut off from, its loss and delay",
            "  status                       per node: running, pid, ports; node and group list",
            "  shell NODE 'COMMAND'         run a Karaf command on NODE (node1, 2, ...) over ssh;",
            "                               the exit status is the command's",
            "  upgrade [OPTIONS] FEATURE/VERSION",
            "                               cluster:upgrade from node1 (or --on NODE) with live progress,",
            "                               e.g. cutover-infra/2.0.0; OPTIONS as cluster:upgrade's",
            "                               (--dry-run, --retire, --kar FILE, --parallel N, --abort)",
            "  upgrade-status               cluster:upgrade-status as node1 sees it",
            "  stop [NODE]                  orderly stop of NODE, or of every node",
            "  kill NODE                    kill -9 NODE (the others see it PARTITIONED)",
            "  restart NODE [--infra V]     restart mode (claims 4, 5): orderly stop, then boot NODE with",
            "                               infrastructure V (e.g. 2.0.0) instead of the one it ran, wait",
            "                               until it is back in the view and its kv member (if any) rejoined",
            "  demo                         the rolling upgrade end to end on a fresh 3-node cluster under",
            "                               kv load, with a timed report",
            "  clean                        stop every node and remove run/ (or CUTOVER_RUN) and the",
            "                               private network, if any",
            "",
            "Every node gets the admin user karaf: its password (run/admin.password) for JMX and the web",
            "view, its ssh key (run/admin.key) for ssh -i run/admin.key -p PORT karaf@127.0.0.1.",
            "",
            "Environment: CUTOVER_RUN (the cluster's folder, run/), CUTOVER_START_TIMEOUT (180 s),",
            "CUTOVER_STOP_TIMEOUT (60 s), CUTOVER_WAIT_TIMEOUT (60 s).");

    private final LocalCluster cluster;
    private final PrintStream out;

    Cutover(LocalCluster cluster, PrintStream out) {
        this.cluster = cluster;
        this.out = out;
    }

    /** the project folder is the system property cutover.project (the wrapper sets it) */
    public static void main(String[] args) {
        PrintStream out = System.out;
        int status;
        try {
            Path project = Path.of(System.getProperty("cutover.project", ".")).toAbsolutePath().normalize();
            LocalCluster.Timeouts timeouts = new LocalCluster.Timeouts(seconds("CUTOVER_START_TIMEOUT", 180),
                    seconds("CUTOVER_STOP_TIMEOUT", 60), seconds("CUTOVER_WAIT_TIMEOUT", 60));
            String runDir = System.getenv("CUTOVER_RUN");
            Path run = runDir == null || runDir.isBlank() ? project.resolve("run") : Path.of(runDir);
            LocalCluster cluster = new LocalCluster(run, distribution(project), timeouts);
            status = new Cutover(cluster, out).run(Arrays.asList(args));
        } catch (UsageException e) {
            System.err.println("cutover: " + e.getMessage());
            System.err.println(USAGE);
            status = 2;
        } catch (CommandFailedException | IOException | IllegalStateException e) {
            System.err.println("cutover: " + e.getMessage());
            status = 1;
        }
        out.flush();
        System.exit(status);
    }

    /** the distribution the reactor built: karaf-assembly/target/cutover-karaf-assembly-*.tar.gz */
    static Path distribution(Path project) throws IOException {
        Path target = project.resolve("karaf-assembly/target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(target, "cutover-karaf-assembly-*.tar.gz")) {
                for (Path p : found) {
                    return p;
                }
            }
        }
        throw new CommandFailedException("no distribution in " + target + " (mvn install -DskipTests builds it)");
    }

    private static Duration seconds(String env, long fallback) {
        String v = System.getenv(env);
        if (v == null || v.isBlank()) {
            return Duration.ofSeconds(fallback);
        }
        if (!v.strip().matches("[1-9][0-9]*")) {
            throw new UsageException(env + " is not a number of seconds: " + v);
        }
        return Duration.ofSeconds(Long.parseLong(v.strip()));
    }

    int run(List<String> args) throws IOException {
        if (args.isEmpty()) {
            throw new UsageException("no command");
        }
        List<String> rest = args.subList(1, args.size());
        switch (args.get(0)) {
            case "start":
                return start(rest);
            case "status":
                return status();
            case "net":
                return net(rest);
            case "shell":
                return shell(rest);
            case "upgrade":
                return upgrade(rest);
            case "upgrade-status":
                return shellOn("node1", "cluster:upgrade-status", KarafNode.COMMAND_TIMEOUT);
            case "stop":
                return stop(rest);
            case "kill":
                return kill(rest);
            case "restart":
                return restart(rest);
            case "demo":
                new Demo(cluster, out).run();
                return 0;
            case "clean":
                cluster.clean(out::println);
                return 0;
            case "help":
            case "-h":
            case "--help":
                out.println(USAGE);
                return 0;
            default:
                throw new UsageException("unknown command: " + args.get(0));
        }
    }

    private int start(List<String> args) throws IOException {
        List<String> rest = new ArrayList<>(args);
        boolean hosts = rest.remove("--hosts");
        if (rest.size() > 1 || !rest.isEmpty() && !rest.get(0).matches("[1-9][0-9]*")) {
            throw new UsageException("start: not a node count: " + String.join(" ", args));
        }
        int count = rest.isEmpty() ? 3 : Integer.parseInt(rest.get(0));
        long t0 = System.nanoTime();
        List<KarafNode> nodes = cluster.start(count, hosts, out::println);
        out.printf("all %d nodes ACTIVE in one view (%.1f s)%n", nodes.size(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private static final String NET_USAGE = "net: partition A,B C | loss NODE PCT | delay NODE MS [JITTER]"
            + " | reorder NODE PCT [MS] | heal | status";

    /** a delay in ms, to the microsecond: 20, 0.2 */
    private static double milliseconds(String arg, String what) {
        if (!arg.matches("\\d{1,6}(\\.\\d{1,3})?")) {
            throw new UsageException(what + ": " + arg + " is not a number of milliseconds (20, 0.2)");
        }
        return Double.parseDouble(arg);
    }

    private static int number(String arg, String what) {
        if (!arg.matches("\\d{1,6}")) {
            throw new UsageException(what + ": " + arg + " is not a whole number");
        }
        return Integer.parseInt(arg);
    }

    /** partitions, heals and shows the private network of nodes started with --hosts */
    private int net(List<String> args) throws IOException {
        if (args.isEmpty()) {
            throw new UsageException(NET_USAGE);
        }
        PrivateNetwork network = cluster.network().orElseThrow(() -> new UsageException("net: the nodes in "
                + cluster.root() + " run on loopback; ./cutover start N --hosts puts them on a private network"));
        switch (args.get(0)) {
            case "partition" -> {
                if (args.size() < 3) {
                    throw new UsageException("net partition: name two sides or more, e.g. 1,2 3");
                }
                List<List<String>> sides = new ArrayList<>();
                for (String side : args.subList(1, args.size())) {
                    List<String> names = new ArrayList<>();
                    for (String node : side.split(",")) {
                        names.add(cluster.node(node).name);
                    }
                    sides.add(names);
                }
                network.partition(sides);
                out.println("partitioned: " + sides.stream().map(s -> String.join(",", s))
                        .collect(java.util.stream.Collectors.joining(" | ")));
            }
            case "loss" -> {
                if (args.size() != 3) {
                    throw new UsageException("net loss: name a node and a percentage, e.g. loss 2 10");
                }
                double percent;
                try {
                    percent = Double.parseDouble(args.get(2));
                } catch (NumberFormatException e) {
                    throw new UsageException("net loss: " + args.get(2) + " is not a percentage");
                }
                if (!(percent >= 0 && percent <= 100)) {
                    throw new UsageException("net loss: 0 to 100 %, not " + args.get(2));
                }
                String node = cluster.node(args.get(1)).name;
                network.loss(node, percent);
                out.println(percent == 0 ? "loss ended: " + node : "loss: " + node + " drops " + args.get(2)
                        + " % of its packets each way");
            }
            case "heal" -> {
                network.heal();
                out.println("healed: every node reaches every node, nothing lost");
            }
            case "status" -> out.print(network.status());
            case "delay" -> {
                if (args.size() < 3 || args.size() > 4) {
                    throw new UsageException("net delay: name a node and milliseconds, e.g. delay 2 20 5");
                }
                double millis = milliseconds(args.get(2), "net delay");
                double jitter = args.size() == 4 ? milliseconds(args.get(3), "net delay") : 0;
                if (jitter > millis) {
                    throw new UsageException("net delay: the jitter (" + jitter + ") exceeds the delay (" + millis
                            + ")");
                }
                String node = cluster.node(args.get(1)).name;
                network.delay(node, millis, jitter, 0);
                out.println(millis == 0 ? "delay ended: " + node : "delay: " + node + " holds its packets "
                        + network.delay(node));
            }
            case "reorder" -> {
                if (args.size() < 3 || args.size() > 4) {
                    throw new UsageException("net reorder: name a node and a percentage, e.g. reorder 2 10");
                }
                int percent = number(args.get(2), "net reorder");
                int millis = args.size() == 4 ? number(args.get(3), "net reorder") : 10;
                if (percent > 100 || millis == 0) {
                    throw new UsageException("net reorder: 0 to 100 %, and a delay of 1 ms or more for the rest");
                }
                String node = cluster.node(args.get(1)).name;
                network.delay(node, millis, 0, percent);
                out.println("reorder: " + node + " " + network.delay(node));
            }
            default -> throw new UsageException(NET_USAGE + ", not " + args.get(0));
        }
        return 0;
    }

    private int status() throws IOException {
        List<KarafNode> nodes = cluster.nodes();
        if (nodes.isEmpty()) {
            out.println("no nodes (./cutover start)");
            return 0;
        }
        out.printf("%-7s %-8s %-8s %-14s %-8s %-6s %-6s %s%n", "NODE", "STATE", "PID", "ADDRESS", "JGROUPS", "SSH",
                "HTTP", "RMI");
        Optional<KarafNode> seer = Optional.empty();
        for (KarafNode n : nodes) {
            Optional<Long> pid = n.pid();
            out.printf("%-7s %-8s %-8s %-14s %-8d %-6d %-6d %d/%d%n", n.name, pid.isPresent() ? "running" : "stopped",
                    pid.map(String::valueOf).orElse("-"), n.address(), n.jgroupsPort, n.sshPort, n.httpPort,
                    n.rmiRegistryPort, n.rmiServerPort);
            if (seer.isEmpty() && pid.isPresent()) {
                seer = Optional.of(n);
            }
        }
        if (seer.isPresent()) {
            out.println();
            out.println("as " + seer.get().name + " sees the cluster (" + cluster.clusterName() + "):");
            out.print(seer.get().shell("cluster:node-list").output());
            out.println();
            out.print(seer.get().shell("cluster:group-list").output());
        }
        return 0;
    }

    private int shell(List<String> args) throws IOException {
        if (args.size() != 2) {
            throw new UsageException("usage: ./cutover shell NODE 'COMMAND'");
        }
        return shellOn(args.get(0), args.get(1), KarafNode.COMMAND_TIMEOUT);
    }

    /** runs the command with its output shown as it comes; the command's exit status */
    private int shellOn(String nodeArg, String command, Duration timeout) throws IOException {
        KarafNode node = cluster.node(nodeArg);
        if (!node.isAlive()) {
            throw new CommandFailedException(node.name + " is not running");
        }
        ShellResult r = node.shell(command, timeout, out);
        out.flush();
        return r.exitStatus();
    }

    /** cluster:upgrade from one node: its live lines, its exit status */
    private int upgrade(List<String> args) throws IOException {
        List<String> options = new ArrayList<>(args);
        String on = "node1";
        int i = options.indexOf("--on");
        if (i >= 0) {
            if (i + 1 >= options.size()) {
                throw new UsageException("--on needs a node");
            }
            on = options.get(i + 1);
            options.subList(i, i + 2).clear();
        }
        if (options.stream().noneMatch(o -> o.matches("[A-Za-z0-9._-]+/\\d+\\.\\d+\\.\\d+"))
                && !options.contains("--abort") && !options.contains("-a")) {
            throw new UsageException("upgrade: name FEATURE/VERSION, e.g. cutover-infra/2.0.0");
        }
        karPathsAbsolute(options);
        for (String o : options) {
            if (!o.matches("[A-Za-z0-9._/=:-]+")) {
                throw new UsageException("upgrade: not an option or feature: " + o);
            }
        }
        // the command's own --timeout bounds it; this bound only ends a node that stopped answering
        return shellOn(on, "cluster:upgrade " + String.join(" ", options), Duration.ofMinutes(30));
    }

    /**
     * The KAR {@code --kar} names is read by the node, whose working folder is its own: a file is named by its
     * absolute path (a URL goes as it is)
     */
    static void karPathsAbsolute(List<String> options) {
        for (int i = 0; i < options.size(); i++) {
            if (options.get(i).equals("--kar") || options.get(i).equals("-k")) {
                if (i + 1 >= options.size()) {
                    throw new UsageException("--kar needs a KAR file or URL");
                }
                String where = options.get(i + 1);
                if (!where.matches("[a-z]+:.*")) {
                    java.nio.file.Path file = java.nio.file.Path.of(where).toAbsolutePath().normalize();
                    if (!java.nio.file.Files.isRegularFile(file)) {
                        throw new UsageException("--kar: no file " + file);
                    }
                    options.set(i + 1, file.toString());
                }
            }
        }
    }

    private int stop(List<String> args) throws IOException {
        List<KarafNode> nodes = args.isEmpty() ? cluster.nodes() : List.of(cluster.node(args.get(0)));
        for (KarafNode n : nodes) {
            if (!n.isAlive()) {
                out.println(n.name + ": not running");
                continue;
            }
            long pid = n.pid().orElse(-1L);
            n.stop(cluster.timeouts().stop());
            out.println(n.name + ": stopped (pid " + pid + ")");
        }
        return 0;
    }

    private int kill(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new UsageException("usage: ./cutover kill NODE");
        }
        KarafNode n = cluster.node(args.get(0));
        Optional<Long> pid = n.pid();
        if (pid.isEmpty()) {
            out.println(n.name + ": not running");
            return 0;
        }
        n.kill9();
        out.println(n.name + ": killed (kill -9 pid " + pid.get() + ")");
        return 0;
    }

    private int restart(List<String> args) throws IOException {
        if (args.isEmpty()) {
            throw new UsageException("usage: ./cutover restart NODE [--infra VERSION]");
        }
        String infra = null;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--infra") && i + 1 < args.size()) {
                infra = args.get(++i);
            } else if (a.startsWith("--infra=")) {
                infra = a.substring("--infra=".length());
            } else {
                throw new UsageException("restart: unknown option " + a);
            }
        }
        if (infra != null && !infra.matches("\\d+\\.\\d+\\.\\d+")) {
            throw new UsageException("--infra: not a version: " + infra);
        }
        KarafNode node = cluster.node(args.get(0));
        long t0 = System.nanoTime();
        cluster.restart(node, infra, out::println);
        out.printf("%s: back in the view (%.1f s)%n", node.name, (System.nanoTime() - t0) / 1e9);
        out.print(node.shell("cluster:node-list").output());
        return 0;
    }
}
