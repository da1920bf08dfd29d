package org.cutover.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.jgroups.JChannel;

/**
 * The JGroups stack of core's TestCluster (the distribution's protocols on TCP
 * loopback, tcp_nodelay=true, the sender-sends bundler), one free port per
 * member. Cutover nodes and raw channels are built from the same text.
 * {@link #shipped} instead reads the distribution's own stack file, for the
 * engine spike (issue 10), with the ordering protocol replaced.
 */
final class Stack {
    /** the distribution's stack, relative to the benchmarks module (where benchmarks/run starts java) */
    static final Path SHIPPED = Path.of("..", "karaf-assembly", "src", "main", "resources", "assembly", "etc",
            "cutover-jgroups.xml");

    private final int[] ports;
    /** null: TestCluster's stack; else the shipped file's text with the ports still to fill in */
    private final String template;

    Stack(int members) throws IOException {
        this(members, null);
    }

    private Stack(int members, String template) throws IOException {
        this.template = template;
        ports = new int[members];
        for (int i = 0; i < members; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports[i] = s.getLocalPort();
            }
        }
    }

    JChannel channel(int index) throws Exception {
        return new JChannel(new ByteArrayInputStream(xml(ports[index]).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The shipped stack (etc/cutover-jgroups.xml) with the same lower protocols and their values, for
     * {@code members} channels on loopback: SYM_ENCRYPT left out (it needs the cluster's key store; the
     * spike compares ordering engines, and encryption costs both candidates alike), {@code belowGms}
     * inserted just below GMS and {@code <SEQUENCER threshold="0"/>} replaced by {@code ordering} (its
     * position: between GMS and UFC). Protocols meant to sit above FRAG4 go in {@code top}.
     */
    static Stack shipped(int members, String belowGms, String ordering, String top) throws IOException {
        String x = Files.readString(SHIPPED, StandardCharsets.UTF_8);
        x = x.replaceAll("(?s)<!--.*?-->", "");
        x = replaceOnce(x, "(?s)<SYM_ENCRYPT[^>]*/>", "");
        x = replaceOnce(x, "<pbcast.GMS", belowGms + "\n    <pbcast.GMS");
        x = replaceOnce(x, "<SEQUENCER threshold=\"0\"/>", ordering);
        x = replaceOnce(x, "(?s)(<FRAG4[^>]*/>)", "$1\n    " + top);
        x = replaceOnce(x, "\\$\\{cutover.bind_addr:[^}]*}", "127.0.0.1");
        x = replaceOnce(x, "\\$\\{cutover.bind_port:[^}]*}", "%1\\$d");
        x = replaceOnce(x, "\\$\\{cutover.initial_hosts:[^}]*}", "%2\\$s");
        x = replaceOnce(x, "\\$\\{cutover.join_timeout_ms:[^}]*}", "2000");
        return new Stack(members, x);
    }

    private static String replaceOnce(String s, String regex, String replacement) {
        String r = s.replaceFirst(regex, replacement);
        if (r.equals(s) && !replacement.isEmpty()) {
            throw new IllegalStateException("the shipped stack " + SHIPPED + " no longer has " + regex);
        }
        return r;
    }

    String xml(int port) {
        if (template != null) {
            String hosts = Arrays.stream(ports).mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(","));
            return String.format(template, port, hosts);
        }
        String hosts = Arrays.stream(ports).mapToObj(p -> "127.0.0.1[" + p + "]").collect(Collectors.joining(","));
        return """
                <config xmlns="urn:org:jgroups">
                  <TCP bind_addr="127.0.0.1" bind_port="%d" port_range="0" tcp_nodelay="true"
                       bundler_type="sender-sends" diag.enabled="false"/>
                  <TCPPING initial_hosts="%s" port_range="0"/>
                  <MERGE3 min_interval="1000" max_interval="3000"/>
                  <FD_SOCK2/>
                  <FD_ALL3 timeout="3000" interval="1000"/>
                  <VERIFY_SUSPECT2 timeout="500"/>
                  <pbcast.NAKACK2 xmit_interval="200"/>
                  <UNICAST3 xmit_interval="200"/>
                  <pbcast.STABLE desired_avg_gossip="2000" max_bytes="1M"/>
                  <pbcast.GMS join_timeout="500" print_local_addr="false"/>
                  <SEQUENCER threshold="0"/>
                  <UFC/>
                  <MFC/>
                  <FRAG4/>
                </config>
                """.formatted(port, hosts);
    }
}
