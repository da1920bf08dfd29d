package org.cutover.core.internal.osgi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.XmlConfigurator;
import org.junit.Test;

/** Discovery by DNS in place of the shipped stack's TCPPING, from the node's settings alone. */
public class StackFileTest {

    private static final Path SHIPPED = Path.of("..", "..", "karaf-assembly", "src", "main", "resources", "assembly",
            "etc", "cutover-jgroups.xml");

    private static List<ProtocolConfiguration> shipped() throws Exception {
        try (InputStream in = Files.newInputStream(SHIPPED)) {
            return XmlConfigurator.getInstance(in).getProtocolStack();
        }
    }

    private static List<String> names(List<ProtocolConfiguration> stack) {
        return stack.stream().map(ProtocolConfiguration::getProtocolName).toList();
    }

    @Test
    public void aDnsQueryPutsDnsPingWhereTcppingWas() throws Exception {
        List<ProtocolConfiguration> stack = shipped();
        int at = names(stack).indexOf("TCPPING");
        assertTrue(names(stack).toString(), at > 0);
        StackFile.useDnsDiscovery(stack, Map.of(StackFile.DNS_QUERY, "_cutover._tcp.cluster.test",
                StackFile.DNS_ADDRESS, "10.213.7.1", StackFile.DNS_RECORD_TYPE, "SRV"));
        assertEquals("dns.DNS_PING", stack.get(at).getProtocolName());
        assertEquals("TCPPING's num_discovery_runs carried over", Map.of("dns_query", "_cutover._tcp.cluster.test",
                "dns_address", "10.213.7.1", "dns_record_type", "SRV", "num_discovery_runs", "4"),
                stack.get(at).getProperties());
        assertFalse(names(stack).contains("TCPPING"));
        assertEquals("nothing else moves", names(shipped()).size(), stack.size());
    }

    @Test
    public void withoutAQueryTheStackKeepsItsOwnDiscovery() throws Exception {
        List<ProtocolConfiguration> stack = shipped();
        StackFile.useDnsDiscovery(stack, Map.of(StackFile.DNS_QUERY, " ", StackFile.DNS_ADDRESS, "10.0.0.1"));
        assertEquals(names(shipped()), names(stack));
    }

    @Test
    public void aQueryForAStackWithoutTcppingIsNamed() throws Exception {
        List<ProtocolConfiguration> stack = shipped();
        stack.removeIf(p -> p.getProtocolName().equals("TCPPING"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StackFile.useDnsDiscovery(stack, Map.of(StackFile.DNS_QUERY, "nodes.test")));
        assertTrue(e.getMessage(), e.getMessage().contains("dns.query"));
    }
}
