package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
import org.jgroups.protocols.raft.ELECTION;
import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.NO_DUPES;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.StateMachine;
import org.jgroups.raft.util.LogCache;
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
 * resolves to, it finds its own resource files by name, the stack file the
 * distribution ships in etc/ builds a channel that forms a view and delivers in
 * one total order, and the jgroups-raft protocols inlined beside JGroups load by
 * name from a stack XML and commit an entry.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class JGroupsBundleIT {

    private static final Duration VIEW_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(20);
    private static final Version JGROUPS_VERSION = new Version(5, 4, 12);
    private static final Version RAFT_VERSION = new Version(1, 1, 4);

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
            // jgroups-raft's packages at its own version, JGroups' at JGroups'
            assertEquals(pkg, isRaftPackage(pkg) ? RAFT_VERSION : JGROUPS_VERSION,
                    export.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE));
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

    @Test
    public void raftProtocolsLoadByNameFromAStackXmlAndCommitAnEntry() throws Exception {
        // the raft packages come from the wrapped bundle, at jgroups-raft's version
        Bundle bundle = FrameworkUtil.getBundle(JChannel.class);
        assertEquals("org.cutover.jgroups", FrameworkUtil.getBundle(RAFT.class).getSymbolicName());
        assertEquals(RAFT_VERSION, exportedVersion(bundle, "org.jgroups.protocols.raft"));
        assertEquals(RAFT_VERSION, exportedVersion(bundle, "org.jgroups.raft"));

        int port = CutoverKarafOptions.freePort();
        String raftId = "A";
        // under the container's data folder, i.e. under the exam's target dir
        Path logDir = Files.createTempDirectory(Paths.get(System.getProperty("karaf.data")), "raft-it-");
        String stack = String.join("\n",
                "<config xmlns=\"urn:org:jgroups\">",
                "  <TCP bind_addr=\"" + CutoverKarafOptions.LOOPBACK + "\" bind_port=\"" + port + "\" port_range=\"0\"",
                "       tcp_nodelay=\"true\"/>",
                "  <TCPPING initial_hosts=\"" + CutoverKarafOptions.LOOPBACK + "[" + port + "]\" port_range=\"0\"/>",
                "  <pbcast.NAKACK2/>",
                "  <UNICAST3/>",
                "  <pbcast.STABLE/>",
                "  <raft.NO_DUPES/>",
                "  <pbcast.GMS join_timeout=\"500\"/>",
                "  <raft.ELECTION/>",
                // log_class named explicitly: RAFT loads it by name too
                "  <raft.RAFT members=\"" + raftId + "\" raft_id=\"" + raftId + "\" log_dir=\"" + logDir + "\"",
                "             log_class=\"org.jgroups.protocols.raft.FileBasedLog\"/>",
                "  <raft.REDIRECT/>",
                "</config>");

        Applied applied = new Applied();
        byte[] payload = "cutover-raft-entry".getBytes(StandardCharsets.UTF_8);
        try {
            JChannel channel = new JChannel(new ByteArrayInputStream(stack.getBytes(StandardCharsets.UTF_8)));
            try (channel) {
                channel.name(raftId);
                // every raft.* element resolved by name to the class of the wrapped bundle
                for (Class<? extends org.jgroups.stack.Protocol> protocol : List.of(NO_DUPES.class, ELECTION.class, RAFT.class, REDIRECT.class)) {
                    assertNotNull(protocol.getSimpleName() + " not in the stack", channel.getProtocolStack().findProtocol(protocol));
                }
                RaftHandle handle = new RaftHandle(channel, applied).raftId(raftId);
                channel.connect("raft-it-" + port);

                Await.until(raftId + " to become leader", LEADER_TIMEOUT,
                        () -> "role=" + handle.raft().role() + " leader=" + handle.leader() + " term=" + handle.currentTerm()
                                + " view=" + channel.getView(),
                        state -> handle.isLeader());
                // RAFT wraps the log it loaded by name in a LogCache (max_log_cache_size > 0)
                org.jgroups.protocols.raft.Log log = handle.log();
                if (log instanceof LogCache) {
                    log = ((LogCache) log).log();
                }
                assertTrue("the log is not the one named in the stack: " + log.getClass(), log instanceof FileBasedLog);

                byte[] response = handle.setAsync(payload, 0, payload.length).get(DELIVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals("state machine response", null, response);
                List<String> seen = applied.snapshot();
                assertEquals("entries applied", List.of(new String(payload, StandardCharsets.UTF_8)), seen);
                // the leader may have committed a noop of its own first (never given to the state machine)
                assertTrue("commit index " + handle.commitIndex(), handle.commitIndex() >= 1);
                assertEquals("applied up to the commit index", handle.commitIndex(), handle.lastApplied());
                try (Stream<Path> files = Files.walk(logDir)) {
                    assertTrue("nothing persisted under " + logDir, files.anyMatch(Files::isRegularFile));
                }
            }
        } finally {
            deleteRecursively(logDir);
        }
        assertTrue(logDir + " not deleted", Files.notExists(logDir));
    }

    private static boolean isRaftPackage(String pkg) {
        return pkg.equals("org.jgroups.raft") || pkg.startsWith("org.jgroups.raft.")
                || pkg.equals("org.jgroups.protocols.raft") || pkg.startsWith("org.jgroups.protocols.raft.");
    }

    private static Object exportedVersion(Bundle bundle, String pkg) {
        for (BundleCapability export : bundle.adapt(BundleWiring.class).getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (pkg.equals(export.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                return export.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE);
            }
        }
        throw new AssertionError(bundle.getSymbolicName() + " does not export " + pkg);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (Files.notExists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** a state machine that records each applied entry as a string, in order */
    private static final class Applied implements StateMachine {
        private final List<String> entries = Collections.synchronizedList(new ArrayList<>());

        @Override
        public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
            entries.add(new String(data, offset, length, StandardCharsets.UTF_8));
            return null;
        }

        @Override
        public void readContentFrom(DataInput in) throws Exception {
            int count = in.readInt();
            List<String> read = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                read.add(in.readUTF());
            }
            synchronized (entries) {
                entries.clear();
                entries.addAll(read);
            }
        }

        @Override
        public void writeContentTo(DataOutput out) throws Exception {
            List<String> copy = snapshot();
            out.writeInt(copy.size());
            for (String entry : copy) {
                out.writeUTF(entry);
            }
        }

        List<String> snapshot() {
            synchronized (entries) {
                return new ArrayList<>(entries);
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
