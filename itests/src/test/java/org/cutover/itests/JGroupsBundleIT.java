package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.Receiver;
import org.jgroups.logging.LogFactory;
import org.jgroups.protocols.BasicTCP;
import org.jgroups.protocols.SEQUENCER;
import org.jgroups.protocols.SenderSendsBundler;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.stack.IpAddress;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The wrapped JGroups bundle inside the distribution: it is what org.jgroups
 * resolves to, it finds its own resource files by name, and the stack file the
 * distribution ships in etc/ builds a channel that forms a view and delivers in
 * one total order.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class JGroupsBundleIT {

    private static final Duration VIEW_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return CutoverKarafOptions.singleNode("jgroups-it");
    }

    @Test
    public void orgJgroupsComesFromTheWrappedBundleAtItsOwnVersion() {
        Bundle bundle = FrameworkUtil.getBundle(JChannel.class);
        assertNotNull("JChannel was not loaded from a bundle", bundle);
        assertEquals("org.cutover.jgroups", bundle.getSymbolicName());
        assertEquals(Bundle.ACTIVE, bundle.getState());

        List<BundleCapability> exports = bundle.adapt(BundleWiring.class).getCapabilities(PackageNamespace.PACKAGE_NAMESPACE);
        assertTrue("no package exported", exports.size() > 10);
        for (BundleCapability export : exports) {
            String pkg = (String) export.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
            assertTrue("exports a foreign package " + pkg, pkg.equals("org.jgroups") || pkg.startsWith("org.jgroups."));
            assertEquals(pkg, new Version(5, 4, 12), export.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE));
        }

        // JGROUPS_VERSION.properties, read by name from the bundle's root
        String jgroupsVersion = org.jgroups.Version.description;
        assertTrue("JGroups reports " + jgroupsVersion, jgroupsVersion.startsWith("5.4.12.Final"));
        for (String resource : List.of("jg-magic-map.xml", "jg-protocol-ids.xml", "tcp.xml", "udp.xml")) {
            assertNotNull(resource + " missing from the bundle", bundle.getResource(resource));
        }
        // the optional slf4j import is wired to pax-logging, so JGroups logs into Karaf's log
        assertEquals("slf4j", LogFactory.loggerType());
    }

    @Test
    public void distributionStackFormsOneViewAndDeliversInOneOrder() throws Exception {
        Path stackFile = Paths.get(System.getProperty("karaf.etc"), "cutover-jgroups.xml");
        int portA = CutoverKarafOptions.freePort();
        int portB = CutoverKarafOptions.freePort();
        String cluster = "jgroups-it-" + portA;
        int perSender = 20;

        Collector atA = new Collector();
        Collector atB = new Collector();
        try (JChannel a = channel(stackFile, portA, portA, portB);
             JChannel b = channel(stackFile, portB, portA, portB)) {
            TP transport = a.getProtocolStack().getTransport();
            assertTrue("tcp_nodelay is not set", ((BasicTCP) transport).tcpNodelay());
            assertTrue("bundler is " + transport.getBundler().getClass(), transport.getBundler() instanceof SenderSendsBundler);
            assertNotNull("no SEQUENCER in the stack", a.getProtocolStack().findProtocol(SEQUENCER.class));
            assertNotNull("the shipped stack must encrypt cluster traffic",
                    a.getProtocolStack().findProtocol(org.jgroups.protocols.SYM_ENCRYPT.class));

            a.setReceiver(atA).connect(cluster);
            b.setReceiver(atB).connect(cluster);
            Await.until("a view of 2 at both channels", VIEW_TIMEOUT,
                    () -> a.getView().size() + "/" + b.getView().size(), s -> s.equals("2/2"));

            Thread senderA = sender(a, "a", perSender);
            Thread senderB = sender(b, "b", perSender);
            senderA.start();
            senderB.start();
            senderA.join(DELIVERY_TIMEOUT.toMillis());
            senderB.join(DELIVERY_TIMEOUT.toMillis());

            List<String> deliveredA = Await.until("all " + 2 * perSender + " messages at a", DELIVERY_TIMEOUT,
                    atA::snapshot, l -> l.size() >= 2 * perSender);
            List<String> deliveredB = Await.until("all " + 2 * perSender + " messages at b", DELIVERY_TIMEOUT,
                    atB::snapshot, l -> l.size() >= 2 * perSender);

            assertEquals("a and b saw different orders", deliveredA, deliveredB);
            assertEquals(2 * perSender, deliveredA.size());
            for (String sender : List.of("a", "b")) {
                List<String> fromSender = deliveredA.stream().filter(m -> m.startsWith(sender + "-")).collect(Collectors.toList());
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < perSender; i++) {
                    expected.add(sender + "-" + i);
                }
                assertEquals("messages of " + sender + " out of order or missing", expected, fromSender);
            }
        }
    }

    private static JChannel channel(Path stackFile, int port, int... hosts) throws Exception {
        JChannel channel;
        try (InputStream in = Files.newInputStream(stackFile)) {
            channel = new JChannel(in);
        }
        InetAddress loopback = InetAddress.getByName(CutoverKarafOptions.LOOPBACK);
        channel.getProtocolStack().getTransport().setBindAddress(loopback).setBindPort(port);
        List<org.jgroups.PhysicalAddress> initial = new ArrayList<>();
        for (int host : hosts) {
            initial.add(new IpAddress(loopback, host));
        }
        channel.getProtocolStack().<TCPPING>findProtocol(TCPPING.class).setInitialHosts2(initial);
        return channel;
    }

    private static Thread sender(JChannel channel, String name, int count) {
        Thread thread = new Thread(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    channel.send(new ObjectMessage(null, name + "-" + i));
                }
            } catch (Exception e) {
                throw new IllegalStateException(name + " could not send", e);
            }
        }, "sender-" + name);
        thread.setDaemon(true);
        return thread;
    }

    /** collects delivered payloads in delivery order */
    private static final class Collector implements Receiver {
        private final List<String> delivered = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void receive(Message msg) {
            delivered.add(msg.getObject());
        }

        List<String> snapshot() {
            synchronized (delivered) {
                return new ArrayList<>(delivered);
            }
        }
    }
}
