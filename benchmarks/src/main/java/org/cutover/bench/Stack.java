package org.cutover.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.jgroups.JChannel;

/**
 * The JGroups stack of core's TestCluster (the distribution's protocols on TCP
 * loopback, tcp_nodelay=true, the sender-sends bundler), one free port per
 * member. Cutover nodes and raw channels are built from the same text.
 */
final class Stack {
    private final int[] ports;

    Stack(int members) throws IOException {
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

    String xml(int port) {
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
