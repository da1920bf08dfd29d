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
 * other side; loss is a netfilter rule in the node's namespace that drops packets at random (the statistic match).
 * (Delay would be {@code tc netem} on the node's end of its veth; this machine's kernel has no netem qdisc,
 * 2026-12-02, so it is not offered.) Everything it made is removed by {@link #close()}, also after a failure halfway.
 * Needs root, iproute2 and iptables (Debian: iproute2 iptables).
 */
public final class PrivateNetwork implements AutoCloseable {

    /** the comment on the netfilter rules of a node's loss, by which they are found again */
    private static final String LOSS_TAG = "cutover-loss";

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
     * every path. Heals what an earlier partition made first.
     */
    public void partition(List<? extends Collection<String>> sides) throws IOException {
        heal();
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
        for (String rule : iptables(ns, "-S").split("\\R")) {
            if (rule.startsWith("-A ") && rule.contains(LOSS_TAG)) {
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

    /** removes every blackhole route and every loss of every node */
    public void heal() throws IOException {
        for (String node : addresses.keySet()) {
            endLoss(namespace(node));
        }
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
