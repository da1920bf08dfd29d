package org.cutover.core.internal.osgi;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.cutover.core.internal.testing.FakeDnsServer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Configuration errors of the node component, the way DS meets them: the
 * component is built from a configuration and a bundle context, with the
 * distribution's own stack file (etc/cutover-jgroups.xml of karaf-assembly).
 * The activation must fail with a message that names what to fix.
 */
public class NodeComponentTest {

    /** the stack the distribution ships; the test runs with the module folder as working directory */
    private static final Path SHIPPED_STACK =
            Path.of("../../karaf-assembly/src/main/resources/assembly/etc/cutover-jgroups.xml");

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void portInUseNamesThePortAndTheKeysThatSetIt() throws Exception {
        assertTrue("the shipped stack is where the test expects it: " + SHIPPED_STACK.toAbsolutePath(),
                Files.isReadable(SHIPPED_STACK));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            try {
                new NodeComponent(config(port, SHIPPED_STACK), context(), null);
                fail("the node started on port " + port + ", which another socket holds");
            } catch (IllegalStateException e) {
                String m = e.getMessage();
                assertTrue(m, m.contains("127.0.0.1:" + port));
                assertTrue(m, m.contains("already in use"));
                assertTrue(m, m.contains("bind.port in etc/org.cutover.node.cfg"));
                assertTrue(m, m.contains("cutover.bind_port"));
            }
        }
    }

    @Test
    public void missingStackFileNamesTheFileAndTheKey() throws Exception {
        Path missing = tmp.getRoot().toPath().resolve("no-such-stack.xml");
        try {
            new NodeComponent(config(freePort(), missing), context(), null);
            fail("the node started without a stack file");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(missing.toString()));
            assertTrue(e.getMessage(), e.getMessage().contains("stack.file in org.cutover.node.cfg"));
        }
    }

    /** fileinstall can hand over an empty configuration (a torn read of the .cfg): refused by name, not an NPE */
    @Test
    public void aConfigurationWithoutNodeNameIsRefusedByName() throws Exception {
        Map<String, Object> torn = new java.util.HashMap<>();
        torn.put("node_name", null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new NodeComponent(config(freePort(), torn), context(), null));
        assertTrue(e.getMessage(), e.getMessage().startsWith("node.name is not set in the configuration"
                + " org.cutover.node (etc/org.cutover.node.cfg)"));
        torn.put("node_name", "cfg-test");
        torn.put("stack_file", null);
        e = assertThrows(IllegalStateException.class,
                () -> new NodeComponent(config(freePort(), torn), context(), null));
        assertTrue(e.getMessage(), e.getMessage().startsWith("stack.file is not set"));
    }

    /** the same configuration on a free port starts: the failure above is the port's, not the setup's */
    @Test
    public void theSameSetupOnAFreePortStarts() throws Exception {
        NodeComponent node = new NodeComponent(config(freePort(), SHIPPED_STACK), context(), null);
        node.deactivate();
    }

    /**
     * The stack's variables come from the node's configuration, not from system properties: those are readable
     * by every JMX viewer (java.lang:type=Runtime), and the cluster key's password was one of them.
     */
    @Test
    public void noSettingOfTheStackBecomesASystemProperty() throws Exception {
        List<String> names = List.of("cutover.bind_addr", "cutover.bind_port", "cutover.initial_hosts");
        names.forEach(System::clearProperty);
        NodeComponent node = new NodeComponent(config(freePort(), SHIPPED_STACK), context(), null);
        try {
            for (String name : names) {
                assertNull(name + " is a system property", System.getProperty(name));
            }
        } finally {
            node.deactivate();
        }
    }

    /** no certificate, no node: not even one alone, which would be a silent new cluster */
    @Test
    public void aNodeWithoutItsCertificateDoesNotStart() throws Exception {
        Path empty = tmp.newFolder().toPath();
        IOException e = assertThrows(IOException.class,
                () -> new NodeComponent(config(freePort(), SHIPPED_STACK, empty), context(), null));
        assertTrue(e.getMessage(), e.getMessage().contains("bin/cutover-certs node"));
    }

    /** a stack file whose TCP no longer asks every peer for its certificate is refused, not run in the clear */
    @Test
    public void aStackWithoutClientAuthenticationIsRefused() throws Exception {
        Path lax = tmp.getRoot().toPath().resolve("lax-stack.xml");
        String shipped = Files.readString(SHIPPED_STACK);
        assertTrue(shipped.contains("tls.client_auth=\"NEED\""));
        Files.writeString(lax, shipped.replace("tls.client_auth=\"NEED\"", "tls.client_auth=\"WANT\""));
        Exception e = assertThrows(Exception.class,
                () -> new NodeComponent(config(freePort(), lax), context(), null));
        StringBuilder m = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            m.append(c.getMessage()).append(" / ");
        }
        assertTrue(m.toString(), m.toString().contains("tls.client_auth=\"NEED\""));
    }

    /** a name that resolves nowhere (RFC 2606 keeps .invalid) fails the start naming bind.address */
    @Test
    public void aBindAddressThatDoesNotResolveNamesTheSetting() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new NodeComponent(
                config(freePort(), Map.of("bind_address", "node9.cutover.invalid")), context(), null));
        assertTrue(e.getMessage(), e.getMessage().contains("bind.address 'node9.cutover.invalid'"));
        assertTrue(e.getMessage(), e.getMessage().contains("does not resolve"));
    }

    /**
     * An address of another machine (TEST-NET-1, RFC 5737): JGroups' own error is "Cannot assign requested
     * address", which the node used to report as its port being in use
     */
    @Test
    public void aBindAddressOfAnotherMachineNamesTheSetting() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new NodeComponent(
                config(freePort(), Map.of("bind_address", "192.0.2.1")), context(), null));
        assertTrue(e.getMessage(), e.getMessage().contains("bind.address '192.0.2.1'"));
        assertTrue(e.getMessage(), e.getMessage().contains("not an address of this machine"));
        assertFalse(e.getMessage(), e.getMessage().contains("already in use"));
    }

    /** a DNS query with no records would leave the node alone in a cluster of its own: the start fails instead */
    @Test
    public void aDnsQueryWithNoRecordsFailsTheStartNamingTheQuery() throws Exception {
        try (FakeDnsServer dns = new FakeDnsServer().a("node1.cutover.test", "127.0.0.1")) {
            int port = freePort();
            long start = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new NodeComponent(
                    config(port, dnsDiscovery("nodes.cutover.test", dns, "A")), context(), null));
            assertTrue(e.getMessage(), e.getMessage().contains("dns.query 'nodes.cutover.test' (A) has no records"));
            assertTrue(e.getMessage(), e.getMessage().contains("dns.address " + dns.address()));
            assertTrue("waited dns.wait.ms first", System.nanoTime() - start >= 1_000_000_000L);
        }
    }

    /** SRV records that name other nodes, or this node's address on another port: the others could not find it */
    @Test
    public void aDnsQueryThatDoesNotNameThisNodeFailsTheStart() throws Exception {
        int port = freePort();
        try (FakeDnsServer dns = new FakeDnsServer()
                .srv("_cutover._tcp.cutover.test", "node1.cutover.test:" + port, "node2.cutover.test:" + (port + 1))
                .a("node1.cutover.test", "10.213.9.11").a("node2.cutover.test", "127.0.0.1")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new NodeComponent(
                    config(port, dnsDiscovery("_cutover._tcp.cutover.test", dns, "SRV")), context(), null));
            assertTrue(e.getMessage(), e.getMessage().contains("not this node (127.0.0.1:" + port));
            assertTrue(e.getMessage(), e.getMessage().contains("10.213.9.11:" + port));
        }
    }

    /** the control: the same SRV query naming this node's address and port starts the node */
    @Test
    public void aDnsQueryNamingThisNodeStartsIt() throws Exception {
        int port = freePort();
        try (FakeDnsServer dns = new FakeDnsServer()
                .srv("_cutover._tcp.cutover.test", "node1.cutover.test:" + port, "node2.cutover.test:" + port)
                .a("node1.cutover.test", "10.213.9.11").a("node2.cutover.test", "127.0.0.1")) {
            new NodeComponent(config(port, dnsDiscovery("_cutover._tcp.cutover.test", dns, "SRV")), context(),
                    null).deactivate();
        }
    }

    private static Map<String, Object> dnsDiscovery(String query, FakeDnsServer dns, String type) {
        return Map.of("dns_query", query, "dns_address", dns.address(), "dns_record_type", type,
                "dns_wait_ms", 1000L);
    }

    private NodeComponent.Config config(int port, Path stack) throws IOException {
        return config(port, stack, certificates());
    }

    /** node cfg-test's TLS folder, from a CA made once for the class */
    private static synchronized Path certificates() throws IOException {
        if (tlsDir == null) {
            Path root = Files.createTempDirectory(Path.of("target"), "node-component-tls");
            tlsDir = org.cutover.core.internal.testing.TestCertificates.node(
                    org.cutover.core.internal.testing.TestCertificates.ca(root.resolve("ca")), "cfg-test",
                    root.resolve("cfg-test"));
        }
        return tlsDir;
    }

    private static Path tlsDir;

    private NodeComponent.Config config(int port, Path stack, Path tls) throws IOException {
        return config(port, stack, tls, Map.of());
    }

    /** the test's configuration with some values in place of its own (e.g. bind_address, dns_query) */
    private NodeComponent.Config config(int port, Map<String, Object> changed) throws IOException {
        return config(port, SHIPPED_STACK, certificates(), changed);
    }

    private NodeComponent.Config config(int port, Path stack, Path tls, Map<String, Object> changed)
            throws IOException {
        Path data = tmp.newFolder().toPath();
        Map<String, Object> values = new java.util.HashMap<>(Map.of(
                "node_name", "cfg-test",
                "cluster_name", "cfg-test-" + port,
                "bind_address", "127.0.0.1",
                "bind_port", port,
                "initial_hosts", "127.0.0.1[" + port + "]",
                "stack_file", stack.toString(),
                "state_file", data.resolve("state.bin").toString(),
                "tls_dir", tls.toString(),
                "op_timeout_ms", 5000L));
        values.putAll(changed);
        return (NodeComponent.Config) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {NodeComponent.Config.class}, (proxy, method, args) -> {
                    if (values.containsKey(method.getName())) {
                        return values.get(method.getName());
                    }
                    if (method.getDefaultValue() != null) {
                        return method.getDefaultValue(); // e.g. log_dir, cluster_members: as in a plain .cfg
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** a bundle context that answers what NodeComponent asks: properties and service registration */
    private BundleContext context() throws IOException {
        Path karaf = tmp.newFolder().toPath();
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProperty":
                            return "karaf.data".equals(args[0]) ? karaf.resolve("data").toString()
                                    : "karaf.etc".equals(args[0]) ? karaf.resolve("etc").toString() : null;
                        case "registerService":
                            return Proxy.newProxyInstance(getClass().getClassLoader(),
                                    new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> null);
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
