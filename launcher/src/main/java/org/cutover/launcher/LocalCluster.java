package org.cutover.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.cutover.launcher.ClusterTables.GroupRow;
import org.cutover.launcher.ClusterTables.NodeRow;

/**
 * The local cluster of {@code ./cutover}: nodes node1..nodeN unpacked under one folder ({@code run/}), which
 * also holds the cluster's name, CA, admin password and ssh key. Every call finds the nodes again from the
 * folder, so each {@code ./cutover} command is a new JVM over the same cluster.
 */
public final class LocalCluster {

    private static final String NETWORK_FILE = "private-network";
    /** the nodes' DNS zone on a private network, served by dnsmasq on the bridge */
    static final String DNS_DOMAIN = "cutover.test";
    /** the SRV name DNS_PING asks for: one record per node, its name and JGroups port */
    static final String DNS_QUERY = "_cutover._tcp." + DNS_DOMAIN;
    private static final String DNS_PID_FILE = "dnsmasq.pid";

    private static final Pattern NODE_NAME = Pattern.compile("node[1-9][0-9]*");

    private final Path root;
    private final Path distribution;
    private final Timeouts timeouts;

    /** how long a node may take to boot into the view, to stop, and a wait for a state to show */
    public record Timeouts(Duration start, Duration stop, Duration poll) {
    }

    public LocalCluster(Path root, Path distribution, Timeouts timeouts) {
        this.root = root.toAbsolutePath().normalize();
        this.distribution = distribution;
        this.timeouts = timeouts;
    }

    public Path root() {
        return root;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /** node2 from "node2" or "2" */
    public static String nodeName(String arg) {
        String name = arg.matches("[1-9][0-9]*") ? "node" + arg : arg;
        if (!NODE_NAME.matcher(name).matches()) {
            throw new UsageException("not a node name: " + arg + " (node1, node2, ... or 1, 2, ...)");
        }
        return name;
    }

    /** every node unpacked under the folder, in number order */
    public List<KarafNode> nodes() throws IOException {
        List<KarafNode> nodes = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return nodes;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "node*")) {
            for (Path dir : dirs) {
                if (NODE_NAME.matcher(dir.getFileName().toString()).matches()) {
                    KarafNode.open(dir).ifPresent(nodes::add);
                }
            }
        }
        nodes.sort(Comparator.comparingInt(n -> Integer.parseInt(n.name.substring(4))));
        return nodes;
    }

    public KarafNode node(String arg) throws IOException {
        String name = nodeName(arg);
        return nodes().stream().filter(n -> n.name.equals(name)).findFirst()
                .orElseThrow(() -> new CommandFailedException("no node " + name + " in " + root
                        + " (./cutover start first)"));
    }

    /** the nodes that run now */
    public List<KarafNode> running() throws IOException {
        return nodes().stream().filter(KarafNode::isAlive).collect(Collectors.toList());
    }

    /** the cluster's name, made once per folder: a new folder is a new cluster */
    public String clusterName() throws IOException {
        Path file = root.resolve("cluster-name");
        if (!Files.exists(file)) {
            Files.createDirectories(root);
            Files.writeString(file, "cutover-local-" + System.currentTimeMillis() / 1000 + "-"
                    + ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /** node1..node{count}: unpacks the missing ones, starts those not running; returns when all are in one view */
    public List<KarafNode> start(int count, Progress out) throws IOException {
        return start(count, false, out);
    }

    /**
     * as {@link #start(int, Progress)}; with {@code hosts} every node runs as on a machine of its own: in a
     * network namespace with its own address on the cluster's private bridge ({@link PrivateNetwork}), made once
     * for the folder and removed by {@link #clean}
     */
    public List<KarafNode> start(int count, boolean hosts, Progress out) throws IOException {
        Files.createDirectories(root);
        Optional<PrivateNetwork> net = network();
        if (hosts && net.isEmpty() && !nodes().isEmpty()) {
            throw new UsageException("the nodes in " + root + " run on loopback: ./cutover clean first to start"
                    + " them on hosts of their own");
        }
        if (hosts && net.isEmpty()) {
            net = Optional.of(createNetwork(out));
        }
        for (int i = 1; i <= count; i++) {
            String name = "node" + i;
            if (nodes().stream().noneMatch(n -> n.name.equals(name))) {
                KarafNode node = KarafNode.unpack(name, root, distribution);
                if (net.isPresent()) {
                    node.placeOn(net.get().addNode(name, i), net.get().namespace(name));
                }
                out.line(name + ": unpacked in " + node.home + ", " + node.address() + ", jgroups "
                        + node.jgroupsPort + ", ssh " + node.sshPort + ", rmi " + node.rmiRegistryPort + "/"
                        + node.rmiServerPort + ", http " + node.httpPort + "; user karaf, password in "
                        + root.resolve("admin.password"));
            }
        }
        List<KarafNode> all = nodes();
        List<KarafNode> wanted = all.subList(0, count);
        if (net.isPresent()) {
            serveDns(net.get(), all, out);
        }
        for (KarafNode node : wanted) {
            startNode(node, all, out);
        }
        awaitView(wanted);
        return wanted;
    }

    /** starts one node with every node of the folder as its TCPPING hosts and the log's first members */
    void startNode(KarafNode node, List<KarafNode> all, Progress out) throws IOException {
        if (node.isAlive()) {
            out.line(node.name + ": already running (pid " + node.pid().orElse(-1L) + ")");
            return;
        }
        Files.deleteIfExists(node.home.resolve("karaf.pid"));
        Optional<PrivateNetwork> net = network();
        if (net.isPresent()) {
            node.clusterByDns(clusterName(), all, DNS_QUERY, net.get().hostAddress()).startDetached();
        } else {
            node.cluster(clusterName(), all).startDetached();
        }
        out.line(node.name + ": starting (jgroups " + node.jgroupsPort + ", ssh " + node.sshPort + ")");
    }

    /** waits until each of {@code nodes} sees all of them ACTIVE; fails naming the last state seen */
    public void awaitView(List<KarafNode> nodes) {
        List<String> names = nodes.stream().map(n -> n.name).collect(Collectors.toList());
        String[] last = {"no answer"};
        await("all of " + names + " ACTIVE in one view", timeouts.start(), () -> {
            for (KarafNode seer : nodes) {
                ShellResult r = seer.shell("cluster:node-list --no-format");
                List<NodeRow> rows = r.succeeded() ? ClusterTables.nodes(r.output()) : List.of();
                boolean all = names.stream().allMatch(n -> rows.stream().anyMatch(row -> row.name().equals(n)
                        && row.active()));
                if (!all) {
                    last[0] = seer.name + " sees " + (r.succeeded() ? rows : r.output().strip());
                    return false;
                }
            }
            return true;
        }, () -> last[0]);
    }

    /** the groups as {@code node} sees them (cluster:group-list) */
    public static List<GroupRow> groups(KarafNode node) {
        return ClusterTables.groups(node.shell("cluster:group-list --no-format").orThrow(node.name));
    }

    public static Optional<GroupRow> group(KarafNode node, String name) {
        return groups(node).stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /**
     * Restart mode: an orderly stop (its members leave), then a boot with infrastructure {@code infra} (null:
     * the one it ran) and the cutover features it had; returns when it is back in the view, announces the new
     * level, and its kv member (if it had one) rejoined.
     */
    public void restart(KarafNode node, String infra, Progress out) throws IOException {
        if (infra != null && !systemCarries(node, infra)) {
            throw new CommandFailedException(node.name + "'s system/ carries no feature cutover-infra/" + infra);
        }
        List<String> extras = List.of();
        if (node.isAlive()) {
            extras = extraFeatures(node);
            node.stop(timeouts.stop());
            out.line(node.name + ": stopped");
        }
        boolean hadKv = extras.stream().anyMatch(f -> f.startsWith("cutover-example/"));
        if (infra != null) {
            node.bootWithInfra(infra, extras.toArray(String[]::new));
            out.line(node.name + ": boots with cutover-infra/" + infra + (extras.isEmpty() ? "" : " and " + extras));
        }
        startNode(node, nodes(), out);
        List<KarafNode> running = running();
        awaitView(running);
        KarafNode seer = running.get(0);
        if (infra != null) {
            int level = Integer.parseInt(infra.split("\\.")[0]);
            await(node.name + " announcing level " + level, timeouts.poll(), () -> ClusterTables.nodes(
                    seer.shell("cluster:node-list --no-format").output()).stream()
                    .anyMatch(r -> r.name().equals(node.name) && r.active() && r.levelSet().contains(level)),
                    () -> seer.shell("cluster:node-list").output());
        }
        if (hadKv) {
            await(node.name + "'s kv member back in group kv", timeouts.poll(),
                    () -> group(node, "kv").map(g -> g.hasMemberOn(node.name)).orElse(false),
                    () -> node.shell("cluster:group-list").output());
            out.line(node.name + ": kv member rejoined");
        }
    }

    /** the installed cutover features apart from core, shell and the infrastructure, as name/version */
    static List<String> extraFeatures(KarafNode node) {
        List<String> out = new ArrayList<>();
        for (String line : node.shell("feature:list -i --no-format").orThrow(node.name).split("\\R")) {
            String[] f = line.split("\t");
            if (f.length >= 2) {
                String name = f[0].strip();
                if (name.startsWith("cutover-") && !List.of("cutover-core", "cutover-shell", "cutover-infra")
                        .contains(name)) {
                    out.add(name + "/" + f[1].strip());
                }
            }
        }
        return out;
    }

    private static boolean systemCarries(KarafNode node, String infra) throws IOException {
        Path features = node.home.resolve("system/org/cutover/cutover-features");
        if (!Files.isDirectory(features)) {
            return false;
        }
        String wanted = "<feature name=\"cutover-infra\" version=\"" + infra + "\"";
        try (var files = Files.walk(features)) {
            for (Path f : files.filter(p -> p.toString().endsWith("-features.xml")).collect(Collectors.toList())) {
                if (Files.readString(f, StandardCharsets.UTF_8).contains(wanted)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** stops every running node (orderly, else SIGKILL), removes the private network if any, and the folder */
    public void clean(Progress out) throws IOException {
        stopAll(out);
        stopDns();
        Optional<PrivateNetwork> net = network();
        if (net.isPresent()) {
            net.get().close();
            out.line("removed network " + net.get().bridge() + " and its namespaces");
        }
        KarafNode.deleteTree(root);
        out.line("removed " + root);
    }

    /**
     * The private network the nodes run on, if they were started with hosts of their own: recorded in the
     * folder ({@value #NETWORK_FILE}: its id and subnet), each node's namespace and address in the node's folder
     */
    public Optional<PrivateNetwork> network() throws IOException {
        Path file = root.resolve(NETWORK_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        java.util.Map<String, Integer> placed = new java.util.LinkedHashMap<>();
        for (KarafNode n : nodes()) {
            if (n.namespace().isPresent()) {
                placed.put(n.name, Integer.parseInt(n.name.substring(4)));
            }
        }
        return Optional.of(PrivateNetwork.existing(p.getProperty("id"), Integer.parseInt(p.getProperty("subnet")),
                placed));
    }

    /**
     * dnsmasq on the machine's address of the bridge, answering only for the nodes: an A record
     * ({@code nodeN.cutover.test}) and an SRV record ({@value #DNS_QUERY}: name and JGroups port) per node, nothing
     * forwarded. Started again whenever the nodes are started, so it knows every node of the folder. Debian:
     * apt-get install dnsmasq.
     */
    private void serveDns(PrivateNetwork net, List<KarafNode> nodes, Progress out) throws IOException {
        stopDns();
        List<String> cmd = new ArrayList<>(List.of("dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--no-poll", "--log-queries", "--bind-interfaces", "--listen-address=" + net.hostAddress(), "--except-interface=lo",
                "--pid-file=" + root.resolve(DNS_PID_FILE), "--log-facility=" + root.resolve("dnsmasq.log")));
        for (KarafNode n : nodes) {
            String host = n.name + "." + DNS_DOMAIN;
            cmd.add("--host-record=" + host + "," + n.address());
            cmd.add("--srv-host=" + DNS_QUERY + "," + host + "," + n.jgroupsPort);
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run dnsmasq for the nodes' DNS (Debian: apt-get install dnsmasq): "
                    + e.getMessage(), e);
        }
        try {
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("dnsmasq did not start: " + said);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting dnsmasq", e);
        }
        out.line("dns: " + DNS_QUERY + " (SRV) for " + nodes.size() + " node(s) at " + net.hostAddress());
    }

    /** ends the folder's dnsmasq, if it runs */
    private void stopDns() throws IOException {
        Path pidFile = root.resolve(DNS_PID_FILE);
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String pid = Files.readString(pidFile, StandardCharsets.UTF_8).strip();
        if (pid.matches("\\d+")) {
            Optional<ProcessHandle> dns = ProcessHandle.of(Long.parseLong(pid))
                    .filter(h -> h.info().command().map(c -> c.endsWith("dnsmasq")).orElse(false));
            if (dns.isPresent()) {
                dns.get().destroy();
                try {
                    dns.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    dns.get().destroyForcibly();
                }
            }
        }
        Files.deleteIfExists(pidFile);
    }

    /**
     * a bridge of its own for this folder's nodes: subnet 10.213.X.0/24, id cutX, X from the folder's path (the next
     * free one when another network uses it); what a killed run left under that name is removed first
     */
    private PrivateNetwork createNetwork(Progress out) throws IOException {
        PrivateNetwork net = PrivateNetwork.claim(
                100 + Math.floorMod(root.toAbsolutePath().normalize().toString().hashCode(), 100), out::line);
        Files.write(root.resolve(NETWORK_FILE), List.of("id=" + net.id(), "subnet=" + net.subnet()),
                StandardCharsets.UTF_8);
        out.line("network " + net.bridge() + ": 10.213." + net.subnet() + ".0/24, this machine at " + net.hostAddress());
        return net;
    }

    /**
     * stops every running node, orderly; one that does not end in time gets its threads dumped into its folder
     * ({@code threads-PID.txt}, what it was stuck in) and then SIGKILL
     */
    public void stopAll(Progress out) throws IOException {
        for (KarafNode node : running()) {
            try {
                node.stop(timeouts.stop());
                out.line(node.name + ": stopped");
            } catch (CommandFailedException e) {
                Path dump = node.dumpThreads();
                node.kill9();
                out.line(node.name + ": killed (" + e.getMessage() + "); its threads before: " + dump);
            }
        }
    }

    /**
     * polls {@code condition} every 500 ms until it holds; fails after {@code timeout} with {@code lastState}
     * (a poll that throws counts as not yet, and its message is kept)
     */
    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> lastState) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String failure = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                failure = null;
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                String state;
                try {
                    state = failure != null ? failure : lastState.get();
                } catch (RuntimeException e) {
                    state = e.getMessage();
                }
                throw new CommandFailedException("waited " + timeout.toSeconds() + " s for " + what
                        + "; last state: " + state);
            }
            KarafNode.sleep(Duration.ofMillis(500));
        }
    }

    /** where the launcher says what it does, line by line */
    @FunctionalInterface
    public interface Progress {
        void line(String text);
    }
}
