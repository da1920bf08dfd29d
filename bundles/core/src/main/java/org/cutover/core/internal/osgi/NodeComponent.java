package org.cutover.core.internal.osgi;

import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.karaf.features.FeaturesService;
import org.cutover.api.ClusterService;
import org.cutover.api.GroupService;
import org.cutover.api.spi.InfraProtocol;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.EventSink;
import org.cutover.core.internal.InfraLevels;
import org.cutover.core.internal.JGroupsLogging;
import org.cutover.core.internal.NodeSettings;
import org.cutover.core.internal.jmx.MBeanRegistrations;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.tls.NodeTls;
import org.cutover.core.internal.upgrade.NodeUpgrader;
import org.cutover.core.internal.upgrade.RollingUpgrades;
import org.cutover.core.internal.version.AutoAdjuster;
import org.cutover.core.internal.version.VersionNegotiator;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node inside Karaf: reads {@code org.cutover.node}, starts the
 * {@link ClusterNode} and registers it as {@link ClusterService} and
 * {@link GroupService}, with a {@link VersionNegotiator} as {@link VersionService}.
 * Infrastructure levels come and go with the {@link InfraProtocol} services of
 * the infra bundles.
 */
@Component(configurationPid = NodeComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = NodeComponent.Config.class)
public final class NodeComponent {

    public static final String PID = "org.cutover.node";
    private static final System.Logger LOG = System.getLogger(NodeComponent.class.getName());

    @ObjectClassDefinition(name = "Cutover node", description = "One Karaf container's membership in a Cutover cluster")
    public @interface Config {
        @AttributeDefinition(name = "Node name", description = "unique in the cluster; no '#'")
        String node_name();

        @AttributeDefinition(name = "Cluster name", description = "the JGroups cluster to join")
        String cluster_name() default "cutover";

        @AttributeDefinition(name = "Bind address", description = "passed to the stack as ${cutover.bind_addr}")
        String bind_address() default "127.0.0.1";

        @AttributeDefinition(name = "Bind port", description = "passed to the stack as ${cutover.bind_port}")
        int bind_port() default 7800;

        @AttributeDefinition(name = "Initial hosts", description = "TCPPING hosts, e.g. 127.0.0.1[7800],127.0.0.1[7801];"
                + " passed to the stack as ${cutover.initial_hosts}")
        String initial_hosts() default "127.0.0.1[7800]";

        @AttributeDefinition(name = "DNS query", description = "discovery by DNS: when set, DNS_PING with this query"
                + " takes the place of the stack's TCPPING, e.g. _cutover._tcp.cluster.example (record type SRV) or"
                + " nodes.cluster.example (A, every node on the bind port); empty: the stack's own discovery")
        String dns_query() default "";

        @AttributeDefinition(name = "DNS server", description = "the DNS server DNS_PING asks (host or host:port);"
                + " empty: the machine's resolver")
        String dns_address() default "";

        @AttributeDefinition(name = "DNS record type", description = "SRV (each record names a node and its port)"
                + " or A (addresses; every node on the same bind port)")
        String dns_record_type() default "A";

        @AttributeDefinition(name = "DNS wait (ms)", description = "with a DNS query: how long the start waits for"
                + " the query to name this node (records published as nodes come up) before it fails")
        long dns_wait_ms() default 20000;

        @AttributeDefinition(name = "Stack file", description = "the JGroups stack XML")
        String stack_file();

        @AttributeDefinition(name = "Cluster members", description = "the nodes of a new cluster, comma-separated"
                + " node names, the same list on every node (e.g. node1,node2,node3): the cluster log commits only"
                + " what a majority of them has; empty means this node alone. Read when the node's log is empty;"
                + " after that the log holds the membership")
        String cluster_members() default "";

        @AttributeDefinition(name = "Log folder", description = "where this node keeps the cluster log and its"
                + " snapshots; empty means ${karaf.data}/cutover/log")
        String log_dir() default "";

        @AttributeDefinition(name = "Force log writes to disk", description = "true: every log entry is fsynced"
                + " before it counts (survives a machine crash); false: the page cache (survives kill -9 of every"
                + " node, not a power cut)")
        boolean log_fsync() default true;

        @AttributeDefinition(name = "Log compaction (MB)", description = "above this size the log is cut into a"
                + " snapshot once every node in view has all of it; at 16 times this size it is cut anyway, and a"
                + " node behind then loses its members (they leave with FAILURE)")
        long log_compact_mb() default 64;

        @AttributeDefinition(name = "Log checkpoint (entries)", description = "every this many log entries the"
                + " node writes its copy of the cluster state beside the log (the log is not cut), and a restart"
                + " replays only the entries after it; 0: none, a restart replays the log from its snapshot")
        int log_checkpoint_entries() default 10000;

        @AttributeDefinition(name = "Log batch gap (ms)", description = "group data sent with sendAsync waits up to"
                + " this long after the node's previous log entry, so that messages share entries (each entry is"
                + " signed and checked by every node); send, request, joins and adjusts never wait for it. 0: at"
                + " once; at most 1000")
        long log_batch_gap_ms() default 2;

        @AttributeDefinition(name = "State file", description = "the replicated state file of Cutover before the"
                + " cluster log, imported once (levels, epochs) when the log is empty; empty means"
                + " ${karaf.data}/cutover/cluster-state.bin")
        String state_file() default "";

        @AttributeDefinition(name = "TLS folder", description = "the node's identity for mutual TLS on the"
                + " cluster transport: ca.crt (the cluster CAs it trusts), node.crt (its certificate, common name ="
                + " node name) and node.key (owner-only), made by bin/cutover-certs; the node does not start"
                + " without them; empty means ${karaf.etc}/cutover-tls. Changed files are read within 10 s")
        String tls_dir() default "";

        @AttributeDefinition(name = "Operation time-out (ms)", description = "join, leave, adjust delivery")
        long op_timeout_ms() default 10000;

        @AttributeDefinition(name = "Confirmation time-out (ms)", description = "how long an adjust waits for every member")
        long confirm_timeout_ms() default 10000;
    }

    private final ClusterNode node;
    private final InfraLevels infra = new InfraLevels();
    private final Map<InfraProtocol, Boolean> tracked = new ConcurrentHashMap<>();
    private final List<ServiceRegistration<?>> registrations;
    private final MBeanRegistrations mbeans;
    private final AutoAdjuster autoAdjuster;
    private final NodeUpgrader upgrader;
    /** dynamic: the features service may come and go without the node restarting */
    private final AtomicReference<FeaturesService> features = new AtomicReference<>();

    @Activate
    public NodeComponent(Config config, BundleContext context,
                         @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
                         EventAdmin eventAdmin) throws Exception {
        JGroupsLogging.install(); // before NetworkPreflight's DNS lookups load JGroups classes
        requireSet("node.name", config.node_name());
        requireSet("stack.file", config.stack_file());
        String data = context.getProperty("karaf.data");
        Path stateFile = config.state_file().isBlank()
                ? Path.of(data == null ? "data" : data, "cutover", "cluster-state.bin")
                : Path.of(config.state_file());
        Path logDir = config.log_dir().isBlank() ? Path.of(data == null ? "data" : data, "cutover", "log")
                : Path.of(config.log_dir());
        List<String> members = java.util.Arrays.stream(config.cluster_members().split(",")).map(String::trim)
                .filter(m -> !m.isEmpty()).toList();
        NodeSettings settings = new NodeSettings(config.node_name(), config.cluster_name(), members, logDir,
                config.log_fsync(), stateFile, Duration.ofMillis(config.op_timeout_ms()),
                Duration.ofMillis(config.confirm_timeout_ms()), config.log_compact_mb() << 20,
                config.log_checkpoint_entries(), Duration.ofMillis(config.log_batch_gap_ms()));
        Path stack = Path.of(config.stack_file());
        if (!Files.isReadable(stack)) {
            throw new IllegalStateException("the JGroups stack file " + stack + " (stack.file in " + PID
                    + ".cfg) does not exist or cannot be read");
        }
        String etc = context.getProperty("karaf.etc");
        Path tlsDir = config.tls_dir().isBlank() ? Path.of(etc == null ? "etc" : etc, "cutover-tls")
                : Path.of(config.tls_dir());
        NodeTls tls = NodeTls.load(tlsDir, config.node_name(), NodeTls.POLL_INTERVAL);
        java.net.InetAddress bind = NetworkPreflight.bindAddress(config.bind_address());
        if (!config.dns_query().isBlank()) {
            NetworkPreflight.dnsNamesThisNode(config.dns_query(), config.dns_address(), config.dns_record_type(),
                    bind, config.bind_port(), Duration.ofMillis(config.dns_wait_ms()));
        }
        // the stack XML refers to these: put in place by StackFile, never into system properties
        Map<String, String> stackValues = Map.of(
                "cutover.bind_addr", config.bind_address(),
                "cutover.bind_port", Integer.toString(config.bind_port()),
                "cutover.initial_hosts", config.initial_hosts(),
                StackFile.DNS_QUERY, config.dns_query(),
                StackFile.DNS_ADDRESS, config.dns_address(),
                StackFile.DNS_RECORD_TYPE, config.dns_record_type());
        EventSink events = eventAdmin == null ? EventSink.NONE
                : (topic, props) -> eventAdmin.postEvent(new Event(topic, props.get()));
        this.node = new ClusterNode(settings, tls, () -> tls.secure(StackFile.channel(stack, stackValues)), infra,
                events);
        try {
            node.start();
        } catch (Exception e) {
            node.close();
            BindException taken = cause(e, BindException.class);
            if (taken != null) {
                // JGroups only says "Address already in use" from deep in TCP's server: name the port and the keys
                throw new IllegalStateException(portInUse(config.bind_address(), config.bind_port()) + " ("
                        + taken.getMessage() + ")", e);
            }
            throw e;
        }
        VersionNegotiator negotiator = new VersionNegotiator(node);
        Dictionary<String, Object> props = new Hashtable<>(Map.of("cutover.node", config.node_name()));
        registrations = List.of(
                context.registerService(new String[] {ClusterService.class.getName(), GroupService.class.getName()},
                        node, props),
                context.registerService(VersionService.class, negotiator, props),
                context.registerService(UpgradeService.class, new RollingUpgrades(node), props));
        mbeans = new MBeanRegistrations(context, node, negotiator);
        autoAdjuster = new AutoAdjuster(node, negotiator).start();
        upgrader = new NodeUpgrader(node, new KarafFeatureInstaller(features::get, context, () -> node.read(
                ClusterState::upgrade).map(u -> u.state() == UpgradeStatus.State.RUNNING).orElse(false),
                java.nio.file.Path.of(System.getProperty("karaf.base", "."), System.getProperty(
                        "karaf.default.repository", "system")))).start();
        LOG.log(System.Logger.Level.INFO, "Cutover node " + config.node_name() + " started, levels " + infra.levels()
                + ", mutual TLS with " + NodeTls.describe(tls.certificate()) + " from " + tlsDir);
    }

    /**
     * The two settings without a default. A configuration without them is most often a torn read: Karaf's
     * config:update rewrites etc/org.cutover.node.cfg in place, and fileinstall can read it empty in between
     * (FELIX-6515); it then hands this component a configuration with no keys at all.
     */
    static void requireSet(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(key + " is not set in the configuration " + PID + " (etc/" + PID
                    + ".cfg); if the file holds it, it was read while being written: save the file again");
        }
    }

    /** what an operator reads when this node's JGroups port is taken: which port, and which key sets it */
    static String portInUse(String address, int port) {
        return "the JGroups port " + address + ":" + port + " of this node is already in use (by another node on"
                + " this machine, or another process): set a free port as bind.port in etc/" + PID + ".cfg, or"
                + " as the system property cutover.bind_port (and list it in every node's initial.hosts /"
                + " cutover.initial_hosts), or stop the process that holds it";
    }

    private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    // DS calls bind methods after the constructor: levels arrive once the node exists and are announced then
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addInfraProtocol(ServiceReference<InfraProtocol> ref, InfraProtocol protocol) {
        if (!declaresLevel(ref, protocol.level())) {
            LOG.log(System.Logger.Level.WARNING, "ignored InfraProtocol level " + protocol.level() + " of bundle "
                    + ref.getBundle().getSymbolicName() + " " + ref.getBundle().getVersion()
                    + ": its manifest declares no " + InfraProtocol.CAPABILITY_NAMESPACE + " capability for it");
            return;
        }
        tracked.put(protocol, Boolean.TRUE);
        infra.add(protocol);
    }

    void removeInfraProtocol(InfraProtocol protocol) {
        if (tracked.remove(protocol) != null) {
            infra.remove(protocol);
        }
    }

    /** the levels a bundle provides are read from its Provide-Capability header, not from a hand-kept table */
    static boolean declaresLevel(ServiceReference<?> ref, int level) {
        return declaredLevels(ref.getBundle()).contains(level);
    }

    /** the infrastructure levels a bundle declares ({@code org.cutover.infra} capabilities) */
    static Set<Integer> declaredLevels(Bundle bundle) {
        Set<Integer> levels = new TreeSet<>();
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null) {
            return levels;
        }
        for (BundleCapability c : revision.getDeclaredCapabilities(InfraProtocol.CAPABILITY_NAMESPACE)) {
            if (c.getAttributes().get(InfraProtocol.CAPABILITY_LEVEL_ATTRIBUTE) instanceof Number n) {
                levels.add(n.intValue());
            }
        }
        return levels;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setFeaturesService(FeaturesService service) {
        features.set(service);
    }

    void unsetFeaturesService(FeaturesService service) {
        features.compareAndSet(service, null);
    }

    @Deactivate
    void deactivate() {
        upgrader.close();
        autoAdjuster.close();
        mbeans.close();
        registrations.forEach(r -> {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        });
        node.close();
    }
}
