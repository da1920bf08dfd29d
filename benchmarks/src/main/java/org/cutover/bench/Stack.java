package org.cutover.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

import org.jgroups.JChannel;

/**
 * Every benchmark stack comes from one source, the distribution's own stack file
 * (etc/cutover-jgroups.xml), on TCP loopback with one free port per member, so the
 * figures follow whatever the distribution ships (including a switch of ELECTION to
 * ELECTION2) instead of a hand-written copy that drifts:
 * <ul>
 *   <li>{@link #shipped}: Cutover nodes, the file as shipped (its raft protocols included: the node
 *       sets RAFT's id, members and log dir itself);</li>
 *   <li>{@link #lower}: the raw baselines and the engine spike, the file's lower protocols with its
 *       raft protocols stripped and the protocols under comparison put in their places.</li>
 * </ul>
 * TLS is off unless BENCH_TLS=1: then every channel, Cutover's and the baselines' alike, runs the shipped
 * mutual TLS with a certificate made by the distribution's bin/cutover-certs (openssl) under target/bench-tls.
 */
final class Stack {

    static {
        // every channel logs as a node's does (ClusterNode installs this): the baselines' channels are made first,
        // and with JGroups' own SLF4J logger, which formats every trace message before it asks for the level, the
        // raw log's RAFT thread spent 148 of its 298 JFR samples formatting requests nobody logged (2026-12-04)
        org.cutover.core.internal.JGroupsLogging.install();
    }

    /** the distribution's stack, relative to the benchmarks module (where benchmarks/run starts java) */
    static final Path SHIPPED = Path.of("..", "karaf-assembly", "src", "main", "resources", "assembly", "etc",
            "cutover-jgroups.xml");

    private static final String PORT = "@@PORT@@";
    private static final String HOSTS = "@@HOSTS@@";

    /** BENCH_TLS=1: the shipped mutual TLS on every channel */
    static final boolean TLS = "1".equals(System.getenv("BENCH_TLS"));
    private static final Path CERTS_SCRIPT = Path.of("..", "karaf-assembly", "src", "main", "resources", "assembly",
            "bin", "cutover-certs");
    private static final Path TLS_ROOT = Path.of("target", "bench-tls");

    private final int[] ports;
    /** the stack's XML with {@link #PORT} and {@link #HOSTS} still to fill in */
    private final String template;
    /** whether its channels run the shipped mutual TLS */
    private final boolean tls;

    private Stack(int members, String template, boolean tls) throws IOException {
        this.template = template;
        this.tls = tls;
        ports = new int[members];
        for (int i = 0; i < members; i++) {
            ports[i] = freePort();
        }
    }

    /** ports handed out in this JVM: each stack binds its ports only when its channels connect */
    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();
    private static final java.util.Random RANDOM = new java.util.Random();
    /** the lowest port of the kernel's ephemeral range, where outgoing connections take their local ports */
    private static final int EPHEMERAL_LOW = ephemeralLow();

    /**
     * A port free now, below the kernel's ephemeral range. A port from {@code new ServerSocket(0)} lies in that
     * range, where the connections of the clusters already up take their local ports: one took a port picked so
     * before its channel bound it ("No available port to bind to", 2026-12-06 18:40, a run lost after its boot).
     */
    private static synchronized int freePort() throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 10_000 + RANDOM.nextInt(EPHEMERAL_LOW - 10_000);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            } catch (IOException taken) {
                continue;
            }
            HANDED_OUT.add(port);
            return port;
        }
        throw new IOException("no free port below " + EPHEMERAL_LOW + " in 1,000 tries");
    }

    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Math.max(20_000, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }

    JChannel channel(int index) throws Exception {
        JChannel ch = new JChannel(new ByteArrayInputStream(xml(ports[index]).getBytes(StandardCharsets.UTF_8)));
        if (tls) {
            String name = "node" + (index + 1);
            org.cutover.core.internal.tls.NodeTls.load(certificates(name), name, java.time.Duration.ofHours(1))
                    .secure(ch);
        }
        return ch;
    }

    /** node {@code name}'s TLS folder, made once per run from one CA: its key also signs its log entries */
    static synchronized Path certificates(String name) throws IOException, InterruptedException {
        Path dir = TLS_ROOT.resolve(name);
        if (!Files.exists(TLS_ROOT.resolve("ca").resolve("ca.key"))) {
            certs("ca", TLS_ROOT.resolve("ca").toString());
        }
        if (!Files.exists(dir.resolve("node.key"))) {
            certs("node", TLS_ROOT.resolve("ca").toString(), name, dir.toString());
        }
        return dir;
    }

    private static void certs(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", CERTS_SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("bin/cutover-certs " + String.join(" ", args) + ": " + out);
        }
    }

    /** the stack of Cutover nodes: the shipped file as is, for {@code members} nodes on loopback */
    static Stack shipped(int members) throws IOException {
        return shipped(members, TLS);
    }

    /** as {@link #shipped(int)}, with TLS on or off whatever BENCH_TLS says: for one run that compares both */
    static Stack shipped(int members, boolean tls) throws IOException {
        return new Stack(members, template(tls), tls);
    }

    /**
     * The raw SEQUENCER baseline: the shipped lower protocols with a bare SEQUENCER (default threshold,
     * i.e. forwarding pipelined, not ack mode) where an ordering protocol sits, just above GMS.
     */
    static Stack sequencer(int members) throws IOException {
        return lower(members, "", "<SEQUENCER/>", "");
    }

    /**
     * The shipped stack's lower protocols, with the same values, for {@code members} channels on loopback: the
     * shipped raft protocols stripped (wherever they sit: NO_DUPES below GMS, ELECTION or ELECTION2, RAFT,
     * REDIRECT above FRAG4), then {@code belowGms} inserted just below GMS, {@code ordering} just above GMS
     * (where an ordering protocol such as SEQUENCER goes) and {@code top} just above FRAG4 (where a raft
     * variant's ELECTION, RAFT and REDIRECT go).
     */
    static Stack lower(int members, String belowGms, String ordering, String top) throws IOException {
        return lower(members, belowGms, ordering, top, false);
    }

    /**
     * As {@link #lower(int, String, String, String)}; with {@code shippedSends} the transport sends as the nodes'
     * does (the shipped {@code non_blocking_sends}: a queue and a sender thread per connection), else with JGroups'
     * default blocking sends, on the caller's thread.
     */
    static Stack lower(int members, String belowGms, String ordering, String top, boolean shippedSends)
            throws IOException {
        String x = template(TLS);
        String stripped = x.replaceAll("[ \\t]*<(raft|org\\.cutover\\.jgroups\\.raft)\\.[A-Za-z0-9_]+[^>]*/>[ \\t]*\\R?", "");
        if (stripped.equals(x)) {
            throw new IllegalStateException("the shipped stack " + SHIPPED + " has no raft protocols to strip");
        }
        // JGroups' default blocking sends for the SEQUENCER baseline: a plain channel multicasting 50,000 messages
        // at once overflows non_blocking_sends' 128 buffers per connection and crawls on retransmissions (the
        // shipped stack's comment); the log's window never sends such bursts
        x = shippedSends ? stripped : stripped.replaceFirst("\\s+non_blocking_sends=\"true\"", "");
        x = replaceOnce(x, "(<pbcast\\.GMS[^>]*/>)", belowGms + "\n    $1\n    " + ordering);
        x = replaceOnce(x, "(<FRAG4[^>]*/>)", "$1\n    " + top);
        return new Stack(members, x, TLS);
    }

    /** the shipped file without comments, TLS on or off, its system properties replaced */
    private static String template(boolean tls) throws IOException {
        String x = Files.readString(SHIPPED, StandardCharsets.UTF_8);
        // comments first: they name protocols and must not be matched below
        x = x.replaceAll("(?s)<!--.*?-->", "");
        if (!tls) {
            x = replaceOnce(x, "tls\\.enabled=\"true\"", "tls.enabled=\"false\"");
        } else if (!x.contains("tls.enabled=\"true\"")) {
            throw new IllegalStateException("the shipped stack " + SHIPPED + " no longer runs TLS");
        }
        // BENCH_BLOCKING_SENDS=1: JGroups' blocking sends in place of the shipped non_blocking_sends, to measure
        // what the per-connection sender thread costs (docs/performance.md, "TLS and non-blocking sends")
        if ("1".equals(System.getenv("BENCH_BLOCKING_SENDS"))) {
            x = x.replaceFirst("\\s+non_blocking_sends=\"true\"", "");
        }
        // BENCH_JGROUPS_SENDER=1: JGroups' TCP in place of CoalescingTCP, whose non-blocking sender flushes after
        // every buffer
        if ("1".equals(System.getenv("BENCH_JGROUPS_SENDER"))) {
            x = replaceOnce(x, "<org\\.cutover\\.jgroups\\.tcp\\.CoalescingTCP\\b", "<TCP");
            x = x.replaceFirst("\\s+send_queue_bytes=\"[^\"]*\"", "").replaceFirst("\\s+send_stall=\"[^\"]*\"", "");
        }
        x = replaceOnce(x, "\\$\\{cutover.bind_addr:[^}]*}", "127.0.0.1");
        x = replaceOnce(x, "\\$\\{cutover.bind_port:[^}]*}", PORT);
        x = replaceOnce(x, "\\$\\{cutover.initial_hosts:[^}]*}", HOSTS);
        x = replaceOnce(x, "\\$\\{cutover.join_timeout_ms:[^}]*}", "2000");
        if (x.contains("${")) {
            throw new IllegalStateException("the shipped stack " + SHIPPED + " has a property the benchmarks do not"
                    + " set: " + x);
        }
        return x;
    }

    private static String replaceOnce(String s, String regex, String replacement) {
        String r = s.replaceFirst(regex, replacement);
        if (r.equals(s)) {
            throw new IllegalStateException("the shipped stack " + SHIPPED + " no longer has " + regex);
        }
        return r;
    }

    String xml(int port) {
        String hosts = Arrays.stream(ports).mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(","));
        return template.replace(PORT, Integer.toString(port)).replace(HOSTS, hosts);
    }

    /** the protocol names of the stack, bottom up, for the results */
    String protocols() {
        Matcher m = java.util.regex.Pattern.compile("<([A-Za-z0-9_.]+)[\\s/>]").matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            if (m.group(1).equals("config")) {
                continue;
            }
            sb.append(sb.length() == 0 ? "" : ", ").append(m.group(1));
        }
        return sb.toString();
    }
}
