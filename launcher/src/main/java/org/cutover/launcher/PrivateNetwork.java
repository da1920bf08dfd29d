package org.cutover.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private network on this machine for nodes that must look like separate machines (issue 14): one Linux bridge
 * with an address of the host, and per node a network namespace with its own address, joined to the bridge by a
 * veth pair. Nothing is routed or forwarded off the bridge, so traffic never leaves it. Faults come from the
 * kernel, below the code under test: a partition is a blackhole route in each namespace for the addresses of the
 * other side; loss is a netfilter rule in the node's namespace that drops packets at random (the statistic match);
 * delay and reordering hold the node's outgoing packets in the kernel's NFQUEUE until a small program in its
 * namespace lets them go (this machine's kernel has no netem qdisc, 2026-12-02). Everything it made is removed by
 * {@link #close()}, also after a failure halfway. Needs root, iproute2, iptables and python3.
 */
public final class PrivateNetwork implements AutoCloseable {

    /** the comment on the netfilter rules of a node's loss, by which they are found again */
    private static final String LOSS_TAG = "cutover-loss";
    /** the comment on a node's delay rule, and the argument that marks its delay program */
    private static final String DELAY_TAG = "cutover-netdelay";
    /** queue numbers are per namespace: each node has its own queue 0 */
    private static final int DELAY_QUEUE = 0;

    private final String id;
    private final int subnet;
    private final Map<String, String> addresses = new LinkedHashMap<>();
    private final List<String> namespaces = new ArrayList<>();
    private boolean bridgeMade;

    /**
     * @param id     a short name (letters and digits, at most 6): the bridge is {@code cbr-ID}, namespaces {@code
     *               ID-NODE}, veth ends {@code ID-NODE} (the kernel allows 15 characters)
     * @param subnet the third byte of 10.213.X.0/24, one per network on this machine
     */
    public PrivateNetwork(String id, int subnet) {
        if (!id.matches("[a-z0-9]{1,6}")) {
            throw new IllegalArgumentException("a network id is 1 to 6 lower-case letters or digits: " + id);
        }
        if (subnet < 1 || subnet > 254) {
            throw new IllegalArgumentException("subnet 1..254, not " + subnet);
        }
        this.id = id;
        this.subnet = subnet;
    }

    /**
     * A network made earlier, by another run of the launcher: its bridge, and the namespace and address of each
     * node (by its index, as {@link #addNode} gave them), so that it can be cut, healed, shown and removed
     */
    public static PrivateNetwork existing(String id, int subnet, Map<String, Integer> nodes) {
        PrivateNetwork net = new PrivateNetwork(id, subnet);
        net.bridgeMade = true;
        nodes.forEach((node, index) -> {
            net.namespaces.add(net.namespace(node));
            net.addresses.put(node, address(subnet, index));
        });
        return net;
    }

    private static String address(int subnet, int index) {
        return "10.213." + subnet + "." + (10 + index);
    }

    /** the host's address on the bridge */
    public String hostAddress() {
        return "10.213." + subnet + ".1";
    }

    public String id() {
        return id;
    }

    /** X of 10.213.X.0/24 */
    public int subnet() {
        return subnet;
    }

    public String bridge() {
        return "cbr-" + id;
    }

    public String namespace(String node) {
        return id + "-" + node;
    }

    public String address(String node) {
        String a = addresses.get(node);
        if (a == null) {
            throw new IllegalArgumentException("no node " + node + " in network " + id);
        }
        return a;
    }

    /**
     * The network {@code cutX} for the first X from {@code first} on (wrapping within {@code first - first % 100}
     * .. +99) that no running process uses. A bridge or namespaces of that name with no process in them (or only
     * our delay programs) were left by a run that was killed before it removed them: they are removed first,
     * and {@code said} is told. One with a process in it belongs to a live network (another folder whose name hashed
     * to the same X, or a killed run whose nodes still run): it is left alone and the next X is tried.
     */
    public static PrivateNetwork claim(int first, java.util.function.Consumer<String> said) throws IOException {
        int base = first - first % 100;
        for (int k = 0; k < 100; k++) {
            int subnet = base + (first - base + k) % 100;
            if (subnet < 1 || subnet > 254) {
                continue;
            }
            PrivateNetwork net = new PrivateNetwork("cut" + subnet, subnet);
            List<String> found = net.leftNamespaces();
            boolean bridge = run(List.of("ip", "link", "show", net.bridge()), true).isEmpty();
            if (!found.isEmpty() || bridge) {
                if (found.stream().anyMatch(PrivateNetwork::inUse)) {
                    said.accept("network " + net.bridge() + " is in use (a process runs in " + found + "): trying"
                            + " the next");
                    continue;
                }
                net.namespaces.addAll(found);
                net.bridgeMade = bridge;
                net.close();
                said.accept("removed network " + net.bridge() + (found.isEmpty() ? "" : " and namespaces " + found)
                        + ", left with no process in it by a run that was stopped before it cleaned");
            }
            return net.create();
        }
        throw new IOException("no free network from 10.213." + first + ".0/24 on: every bridge cbr-cutX is in use");
    }

    /** the namespaces named {@code ID-*} */
    private List<String> leftNamespaces() throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list")).split("\\R")) {
            String name = line.strip().split("\\s+")[0];
            if (name.startsWith(id + "-")) {
                found.add(name);
            }
        }
        return found;
    }

    /** whether a process other than our delay program runs in namespace {@code ns} */
    private static boolean inUse(String ns) {
        try {
            return processesIn(ns).stream().anyMatch(h -> !isDelayer(h));
        } catch (IOException e) {
            return true;
        }
    }

    /** the bridge with the host's address on it, up */
    public PrivateNetwork create() throws IOException {
        ip("link", "add", bridge(), "type", "bridge");
        bridgeMade = true;
        ip("addr", "add", hostAddress() + "/24", "dev", bridge());
        ip("link", "set", bridge(), "up");
        return this;
    }

    /** a namespace for {@code node} with address 10.213.X.(10 + index), its veth end in the bridge, loopback up */
    public String addNode(String node, int index) throws IOException {
        if (!node.matches("[a-z0-9]{1,8}") || index < 1 || index > 200) {
            throw new IllegalArgumentException("a node is 1 to 8 lower-case letters or digits, index 1..200");
        }
        String ns = namespace(node);
        String address = address(subnet, index);
        String hostEnd = "h" + id + index;
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("link", "set", hostEnd, "master", bridge());
        ip("link", "set", hostEnd, "up");
        ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        addresses.put(node, address);
        return address;
    }

    /** the command line that runs {@code command} inside {@code node}'s namespace */
    public List<String> inside(String node, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
        cmd.addAll(command);
        return cmd;
    }

    /**
     * Cuts the network between the sides: each node of a side gets a blackhole route for every address of the
     * other sides, so its packets to them are dropped at once (and theirs to it). A node named on no side keeps
     * every path. Ends an earlier partition first; loss and delay stay.
     */
    public void partition(List<? extends Collection<String>> sides) throws IOException {
        endPartition();
        for (Collection<String> side : sides) {
            for (Collection<String> other : sides) {
                if (other == side) {
                    continue;
                }
                for (String node : side) {
                    for (String peer : other) {
                        ip("-n", namespace(node), "route", "add", "blackhole", address(peer) + "/32");
                    }
                }
            }
        }
    }

    /**
     * Drops {@code percent} % of the packets {@code node} sends and of those it receives, each at random; 0 ends
     * its loss. Replaces the node's earlier loss.
     */
    public void loss(String node, double percent) throws IOException {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("loss is 0 to 100 %, not " + percent);
        }
        String ns = namespace(node);
        address(node);
        endLoss(ns);
        if (percent > 0) {
            String probability = String.format(java.util.Locale.ROOT, "%.4f", percent / 100);
            for (String[] way : List.of(new String[] {"INPUT", "-i"}, new String[] {"OUTPUT", "-o"})) {
                iptables(ns, "-A", way[0], way[1], "eth0", "-m", "statistic", "--mode", "random", "--probability",
                        probability, "-m", "comment", "--comment", LOSS_TAG, "-j", "DROP");
            }
        }
    }

    /**
     * Holds each packet {@code node} sends for {@code millis} ± {@code jitterMillis} ms, in order, except {@code
     * reorderPercent} % of them, sent at once (they overtake); 0 ms ends its delay. Replaces the node's earlier
     * delay. A netfilter rule hands the packets to the kernel's NFQUEUE, and a small Python program in the node's
     * namespace gives each its verdict when due (netdelay.py: this kernel has no netem qdisc). Debian: python3.
     */
    public void delay(String node, double millis, double jitterMillis, int reorderPercent) throws IOException {
        if (!(millis >= 0 && jitterMillis >= 0 && jitterMillis <= millis) || reorderPercent < 0
                || reorderPercent > 100) {
            throw new IllegalArgumentException("delay 0 ms or more, jitter 0 to the delay, reorder 0 to 100 %");
        }
        String ns = namespace(node);
        address(node);
        endDelay(ns);
        if (millis == 0) {
            return;
        }
        byte[] program;
        try (var in = PrivateNetwork.class.getResourceAsStream("netdelay.py")) {
            program = in.readAllBytes();
        }
        List<String> cmd = List.of("setsid", "ip", "netns", "exec", ns, "python3", "-", DELAY_TAG,
                Integer.toString(DELAY_QUEUE), plain(millis), plain(jitterMillis), Integer.toString(reorderPercent));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IOException("cannot run python3 for the delay (Debian: apt-get install python3): "
                    + e.getMessage(), e);
        }
        try (var stdin = p.getOutputStream()) {
            stdin.write(program);
        }
        // the rule only once the program has bound its queue: with --queue-bypass packets sent to a queue nobody
        // reads pass undelayed (a fixed 200 ms wait was too short once under CI load: "20 ms later: 0 ms")
        Process started = p;
        java.util.concurrent.CompletableFuture<String> bound = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new java.io.BufferedReader(new java.io.InputStreamReader(started.getInputStream(),
                        java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String said;
        try {
            said = bound.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            said = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the delay of " + node + " started", e);
        }
        if (!"bound".equals(said)) {
            throw new IOException("the delay of " + node + " did not start (python3 " + DELAY_TAG + "): " + said);
        }
        iptables(ns, "-A", "OUTPUT", "-o", "eth0", "-m", "comment", "--comment", DELAY_TAG, "-j", "NFQUEUE",
                "--queue-num", Integer.toString(DELAY_QUEUE), "--queue-bypass");
    }

    /** 0.2 as "0.2", 20.0 as "20" */
    private static String plain(double number) {
        return java.math.BigDecimal.valueOf(number).stripTrailingZeros().toPlainString();
    }

    /** the node's delay as its program was started ("20 ms ± 5, 10 % reordered"), empty without */
    public String delay(String node) throws IOException {
        for (ProcessHandle h : delayers(namespace(node))) {
            String[] args = h.info().arguments().orElse(new String[0]);
            int i = java.util.Arrays.asList(args).indexOf(DELAY_TAG);
            if (i >= 0 && args.length >= i + 5) {
                return args[i + 2] + " ms ± " + args[i + 3] + (args[i + 4].equals("0") ? "" : ", " + args[i + 4]
                        + " % reordered");
            }
        }
        return "";
    }

    /** the delay programs running in namespace {@code ns} */
    private static List<ProcessHandle> delayers(String ns) throws IOException {
        return processesIn(ns).stream().filter(PrivateNetwork::isDelayer).toList();
    }

    /** the processes running in namespace {@code ns} */
    private static List<ProcessHandle> processesIn(String ns) throws IOException {
        List<ProcessHandle> found = new ArrayList<>();
        for (String pid : run(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(found::add);
            }
        }
        return found;
    }

    private static boolean isDelayer(ProcessHandle h) {
        return h.info().arguments().map(a -> java.util.Arrays.asList(a).contains(DELAY_TAG)).orElse(false);
    }

    private static void endDelay(String ns) throws IOException {
        deleteRules(ns, DELAY_TAG);
        for (ProcessHandle h : delayers(ns)) {
            h.destroy();
            h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(x -> null).join();
        }
    }

    /** the loss a node has now, in % (0 without) */
    public double loss(String node) throws IOException {
        for (String rule : iptables(namespace(node), "-S", "OUTPUT").split("\\R")) {
            if (rule.contains(LOSS_TAG)) {
                String[] f = rule.split("\\s+");
                for (int i = 0; i < f.length - 1; i++) {
                    if ("--probability".equals(f[i])) {
                        return Math.round(Double.parseDouble(f[i + 1]) * 1000) / 10.0;
                    }
                }
            }
        }
        return 0;
    }

    private static void endLoss(String ns) throws IOException {
        deleteRules(ns, LOSS_TAG);
    }

    /** deletes the netfilter rules of namespace {@code ns} that carry the comment {@code tag} */
    private static void deleteRules(String ns, String tag) throws IOException {
        for (String rule : iptables(ns, "-S").split("\\R")) {
            if (rule.startsWith("-A ") && rule.contains(tag)) {
                List<String> args = new ArrayList<>(List.of(rule.strip().split("\\s+")));
                args.set(0, "-D");
                iptables(ns, args.toArray(String[]::new));
            }
        }
    }

    private static String iptables(String ns, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "iptables", "-w"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** removes every blackhole route, every loss and every delay of every node */
    public void heal() throws IOException {
        for (String node : addresses.keySet()) {
            endLoss(namespace(node));
            endDelay(namespace(node));
        }
        endPartition();
    }

    /** removes every blackhole route (the partition); loss and delay stay */
    public void endPartition() throws IOException {
        for (String node : addresses.keySet()) {
            for (String route : run(List.of("ip", "-n", namespace(node), "route", "show", "type", "blackhole"))
                    .split("\\R")) {
                String[] f = route.strip().split("\\s+");
                if (f.length >= 2 && "blackhole".equals(f[0])) {
                    ip("-n", namespace(node), "route", "del", "blackhole", f[1]);
                }
            }
        }
    }

    /** per node: its address and the addresses it is cut off from */
    public String status() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String node : addresses.keySet()) {
            String ns = namespace(node);
            out.append(node).append(' ').append(address(node)).append(" (").append(ns).append(")\n");
            double loss = loss(node);
            if (loss > 0) {
                out.append("  loses ").append(loss).append(" % of its packets each way\n");
            }
            String delay = delay(node);
            if (!delay.isEmpty()) {
                out.append("  delays the packets it sends ").append(delay).append('\n');
            }
            for (String line : run(List.of("ip", "-n", ns, "route", "show", "type", "blackhole")).split("\\R")) {
                if (!line.isBlank()) {
                    out.append("  cut off from ").append(line.strip().split("\\s+")[1]).append('\n');
                }
            }
        }
        return out.toString();
    }

    /** removes the namespaces (their veth pairs go with them) and the bridge; goes on past failures, then reports */
    @Override
    public void close() throws IOException {
        List<String> failures = new ArrayList<>();
        for (String ns : namespaces) {
            try {
                for (ProcessHandle h : delayers(ns)) {
                    h.destroyForcibly();
                }
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
            String out = run(List.of("ip", "netns", "del", ns), true);
            if (!out.isEmpty()) {
                failures.add(out);
            }
        }
        namespaces.clear();
        addresses.clear();
        if (bridgeMade) {
            String out = run(List.of("ip", "link", "del", bridge()), true);
            if (!out.isEmpty()) {
                failures.add(out);
            }
            bridgeMade = false;
        }
        if (!failures.isEmpty()) {
            throw new IOException("network " + id + " not wholly removed: " + failures);
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static String run(List<String> cmd) throws IOException {
        return run(cmd, false).strip();
    }

    /** the output; with {@code tolerant} a failure gives its message (empty on success) instead of throwing */
    private static String run(List<String> cmd, boolean tolerant) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + cmd.get(0) + " (Debian: apt-get install iproute2 iptables): " + e.getMessage(), e);
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            if (tolerant) {
                return String.join(" ", cmd) + ": " + out.strip();
            }
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return tolerant ? "" : out;
    }
}
