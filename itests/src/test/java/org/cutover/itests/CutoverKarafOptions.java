package org.cutover.itests;

import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.cutover.launcher.NodeCertificates;
import org.ops4j.pax.exam.Option;

/**
 * The Pax Exam options that boot the built Cutover distribution as one node:
 * loopback only, free ports (ssh, JGroups; Pax Exam picks the RMI ports), the
 * container under target/exam, bundles only from the distribution's system/
 * folder and the Maven local repository (no remote repository), and the JVM
 * flags bin/karaf sets on Java 17.
 *
 * The failsafe configuration in this module's pom passes the paths:
 * cutover.distribution (the assembly tar.gz of this reactor), cutover.maven.repo
 * and cutover.itest.dir.
 */
public final class CutoverKarafOptions {

    public static final String KARAF_VERSION = "4.4.10";
    public static final String LOOPBACK = "127.0.0.1";

    private CutoverKarafOptions() {
    }

    /** a single node named {@code nodeName}, alone in a cluster of its own on a free JGroups port */
    public static Option[] singleNode(String nodeName) {
        int port = freePort();
        return node(nodeName, "it-" + nodeName + "-" + port, port, LOOPBACK + "[" + port + "]");
    }

    /**
     * One node of a cluster.
     *
     * @param nodeName     node.name
     * @param clusterName  cluster.name: the JGroups cluster
     * @param jgroupsPort  the node's JGroups TCP port
     * @param initialHosts TCPPING hosts, e.g. {@code 127.0.0.1[7800],127.0.0.1[7801]}
     */
    public static Option[] node(String nodeName, String clusterName, int jgroupsPort, String initialHosts,
                                Option... extra) {
        List<Option> options = new ArrayList<>();
        options.add(karafDistributionConfiguration()
                .frameworkUrl(distributionUrl())
                .karafVersion(KARAF_VERSION)
                .name("Cutover")
                .unpackDirectory(new File(itestDir(), "exam"))
                .useDeployFolder(false));
        if (Boolean.getBoolean("cutover.itest.keep")) {
            options.add(keepRuntimeFolder());
        }
        options.add(configureConsole().ignoreLocalConsole());
        // the distribution's boot features as a stage of their own, installed before the stage that Pax Exam's
        // features (exam, test-dependencies) are appended to: in one stage, Pax Exam's remote bundle context
        // started among ours and it installed its probe while our features were still starting (seen in the
        // log at debug), and once in a CI run the probe's install failed ("Bundle cannot be installed";
        // the race is PAXEXAM-765)
        options.add(editConfigurationFilePut(FEATURES_CFG, "featuresBoot", "(" + distributionBootFeatures() + ")"));

        // Karaf on loopback and free ports
        options.add(editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(freePort())));
        options.add(editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshHost", LOOPBACK));
        options.add(editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryHost", LOOPBACK));
        options.add(editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerHost", LOOPBACK));

        // the node: read by etc/org.cutover.node.cfg and etc/cutover-jgroups.xml
        options.add(systemProperty("cutover.node.name", nodeName));
        options.add(systemProperty("cutover.cluster.name", clusterName));
        options.add(systemProperty("cutover.bind_addr", LOOPBACK));
        options.add(systemProperty("cutover.bind_port", Integer.toString(jgroupsPort)));
        options.add(systemProperty("cutover.initial_hosts", initialHosts));
        options.add(systemProperty("java.net.preferIPv4Stack", "true"));
        // the node's certificate: the node does not start without one
        try {
            options.add(editConfigurationFilePut("etc/org.cutover.node.cfg", "tls.dir",
                    certificates(nodeName).toString()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        // nothing fetched from outside: the distribution's system/ and the build's local repository
        options.add(editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg",
                "org.ops4j.pax.url.mvn.localRepository", mavenRepo()));
        options.add(editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg",
                "org.ops4j.pax.url.mvn.repositories", ""));

        options.add(java17());
        options.addAll(List.of(extra));
        return options.toArray(new Option[0]);
    }

    /** what bin/karaf passes on Java 9+; without them the container fails on OsgiLocator */
    public static Option java17() {
        return composite(vmOptions(
                "--add-reads=java.xml=java.logging",
                "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
                "--patch-module", "java.base=lib/endorsed/org.apache.karaf.specs.locator-" + KARAF_VERSION + ".jar",
                "--patch-module", "java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + KARAF_VERSION + ".jar",
                "--add-opens", "java.base/java.security=ALL-UNNAMED",
                "--add-opens", "java.base/java.net=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/java.util=ALL-UNNAMED",
                "--add-opens", "java.naming/javax.naming.spi=ALL-UNNAMED",
                "--add-opens", "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
                "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
                "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
                "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
                "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED",
                "-classpath", "lib/jdk9plus/*" + File.pathSeparator + "lib/boot/*"));
    }

    /** a system property of the container, written to its etc/system.properties */
    public static Option systemProperty(String key, String value) {
        return editConfigurationFilePut("etc/system.properties", key, value);
    }

    /**
     * A free loopback port below the kernel's ephemeral range, as the launcher's FreePorts gives. This one runs in
     * the Pax Exam containers too (JGroupsBundleIT opens channels there), where the launcher's classes are not
     * on the probe's class path, so it cannot hand off to FreePorts.
     */
    public static synchronized int freePort() {
        int below = ephemeralStart();
        int low = Math.min(20000, below / 2);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = low + PORTS.nextInt(below - low);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1,
                    java.net.InetAddress.getByName(LOOPBACK))) {
                HANDED_OUT.add(port);
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port on " + LOOPBACK + " between " + low + " and " + below);
    }

    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();
    private static final java.util.Random PORTS = new java.util.Random();

    /** the first port of the kernel's ephemeral range; read as lines (Files.readString gave "3" on procfs here) */
    private static int ephemeralStart() {
        try {
            String range = java.nio.file.Files.readAllLines(java.nio.file.Path.of(
                    "/proc/sys/net/ipv4/ip_local_port_range")).get(0);
            return Math.max(10000, Integer.parseInt(range.trim().split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }

    private static final String FEATURES_CFG = "etc/org.apache.karaf.features.cfg";
    /** the folder the distribution's tar.gz was made of, from this module's folder */
    private static final java.nio.file.Path ASSEMBLY = java.nio.file.Path.of("..", "karaf-assembly", "target",
            "assembly");

    /** featuresBoot as the distribution ships it */
    static String distributionBootFeatures() {
        java.util.Properties cfg = new java.util.Properties();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(ASSEMBLY.resolve(FEATURES_CFG))) {
            cfg.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the built distribution's " + FEATURES_CFG, e);
        }
        String boot = cfg.getProperty("featuresBoot", "").trim();
        if (boot.isEmpty() || boot.contains("(")) {
            throw new IllegalStateException("featuresBoot of the built distribution is '" + boot
                    + "': expected one list of features, without stages");
        }
        return boot;
    }

    /** the built distribution (karaf-assembly's tar.gz), as KarafNode.unpack takes it */
    static java.nio.file.Path distribution() {
        return java.nio.file.Path.of(java.net.URI.create(distributionUrl()));
    }

    /** the script the distribution ships, from this module's folder */
    private static final java.nio.file.Path CERTS_SCRIPT = java.nio.file.Path.of("..", "karaf-assembly", "src", "main",
            "resources", "assembly", "bin", "cutover-certs");

    /** node {@code name}'s TLS folder from the CA of the Pax Exam nodes (itest dir/certs) */
    private static java.nio.file.Path certificates(String nodeName) throws IOException {
        java.nio.file.Path root = new File(itestDir(), "certs").toPath();
        return NodeCertificates.issue(CERTS_SCRIPT, root, nodeName, root.resolve(nodeName));
    }

    static String distributionUrl() {
        File file = new File(required("cutover.distribution"));
        if (!file.isFile()) {
            throw new IllegalStateException("the distribution " + file + " does not exist: build karaf-assembly first");
        }
        return file.toURI().toString();
    }

    static String mavenRepo() {
        return required("cutover.maven.repo");
    }

    static File itestDir() {
        return new File(required("cutover.itest.dir"));
    }

    private static String required(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalStateException("system property " + key + " is not set (run the tests through Maven failsafe)");
        }
        return value;
    }
}
