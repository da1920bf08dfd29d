package org.cutover.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One node of the built distribution run as a real process ({@code bin/karaf server}) from its own copy
 * {@code root/name}, on loopback and its own ports, configured the way the README says: cutover.* system
 * properties in EXTRA_JAVA_OPTS, ssh and RMI ports in etc/. Its ports are kept in {@code root/name/ports}, so a
 * later launcher finds the node again ({@link #open}) and its process by the {@code -Dkaraf.base} of its command
 * line. Commands run over ssh as the admin user, logged in with the key of the nodes under {@code root}.
 */
public final class KarafNode implements AutoCloseable {

    /** how long a shell command may take unless told otherwise */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    /** how long a command waits for the node's ssh server (bin/client's -r 30 -d 1) */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * how long a plain connection waits for the ssh server's identification line before the server counts as
     * stuck: it comes at once from a server that accepts (well under a second here, under load too)
     */
    private static final Duration SSH_PROBE_WAIT = Duration.ofSeconds(15);
    private static final String PORTS_FILE = "ports";
    /** where a node on a private network runs: its address and namespace ({@link #placeOn}) */
    private static final String NETWORK_FILE = "network";
    private static final String LOOPBACK = "127.0.0.1";

    public final String name;
    public final Path home;
    public final int jgroupsPort;
    public final int sshPort;
    public final int rmiRegistryPort;
    public final int rmiServerPort;
    /** Pax Web's port, for the web view (feature cutover-web); loopback as shipped */
    public final int httpPort;
    /** the admin user commands log in as; the distribution ships none, so {@link #unpack} writes one */
    private final String user = "karaf";
    private String password;
    /** when {@link #unanswered} last dumped the threads (System.nanoTime; 0: never) */
    private volatile long lastDump;
    private String extraJavaOpts = "";
    private Process process;
    /** the address the node binds and is reached at: loopback, or its own on a private network */
    private String address = LOOPBACK;
    /** the network namespace the node runs in, or null (the machine's own network) */
    private String namespace;

    private KarafNode(String name, Path home, Map<String, Integer> ports) {
        this.name = name;
        this.home = home.toAbsolutePath().normalize();
        this.jgroupsPort = ports.get("jgroups");
        this.sshPort = ports.get("ssh");
        this.rmiRegistryPort = ports.get("rmi.registry");
        this.rmiServerPort = ports.get("rmi.server");
        this.httpPort = ports.get("http");
    }

    /**
     * unpacks {@code distribution} into {@code root/name} with fresh free ports, and gives it the admin user
     * karaf with the random password of the nodes under {@code root} and their ssh key (the distribution ships
     * no user)
     */
    public static KarafNode unpack(String name, Path root, Path distribution) throws IOException {
        KarafNode node = unpackWithoutUser(name, root, distribution);
        node.addUser(node.user, adminPassword(root), "_g_:admingroup");
        node.password = adminPassword(root);
        node.addKey(node.user, adminKey(root), "_g_:admingroup");
        return node;
    }

    /**
     * unpacks as {@link #unpack} but leaves etc/users.properties as the distribution ships it: the node's
     * first bin/ script (bin/setenv) makes the admin user, see {@link #useGeneratedAdmin()}
     */
    public static KarafNode unpackWithoutUser(String name, Path root, Path distribution) throws IOException {
        Path home = root.resolve(name);
        Files.createDirectories(home);
        run(List.of("tar", "xzf", distribution.toString(), "-C", home.toString(), "--strip-components=1"),
                "could not unpack " + distribution);
        // the node's certificate from the CA of the nodes under root, in etc/cutover-tls (the shipped tls.dir)
        NodeCertificates.issue(home.resolve("bin/cutover-certs"), root, name, home.resolve("etc/cutover-tls"));
        Set<Integer> taken = recordedPorts(root);
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String kind : List.of("jgroups", "ssh", "rmi.registry", "rmi.server", "http")) {
            int port = FreePorts.next(taken);
            taken.add(port);
            ports.put(kind, port);
        }
        KarafNode node = new KarafNode(name, home, ports);
        // boot features in their own thread: from the features bundle's activator (the default) a first
        // boot can deadlock when the deployer must stop that bundle (seen here: Felix.acquireBundleLock)
        node.setCfg("etc/org.apache.karaf.features.cfg", Map.of("featuresBootAsynchronous", "true"));
        node.setCfg("etc/org.apache.karaf.shell.cfg", Map.of("sshPort", node.sshPort, "sshHost", "127.0.0.1"));
        node.setCfg("etc/org.apache.karaf.management.cfg", Map.of(
                "rmiRegistryPort", node.rmiRegistryPort, "rmiRegistryHost", "127.0.0.1",
                "rmiServerPort", node.rmiServerPort, "rmiServerHost", "127.0.0.1"));
        node.setCfg("etc/org.ops4j.pax.web.cfg", Map.of("org.osgi.service.http.port", node.httpPort));
        // written last: a node folder without it is an unfinished unpack
        List<String> lines = new ArrayList<>();
        ports.forEach((kind, port) -> lines.add(kind + "=" + port));
        Path aside = home.resolve(PORTS_FILE + ".tmp");
        Files.write(aside, lines, StandardCharsets.UTF_8);
        Files.move(aside, home.resolve(PORTS_FILE), StandardCopyOption.ATOMIC_MOVE);
        return node;
    }

    /** the node unpacked earlier in {@code home}, with the ports it was given; empty for an unfinished unpack */
    public static Optional<KarafNode> open(Path home) throws IOException {
        Path file = home.resolve(PORTS_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Map<String, Integer> ports = readPorts(file);
        KarafNode node = new KarafNode(home.getFileName().toString(), home, ports);
        Path network = home.resolve(NETWORK_FILE);
        if (Files.isRegularFile(network)) {
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(network, StandardCharsets.UTF_8)) {
                p.load(in);
            }
            node.address = p.getProperty("address", LOOPBACK);
            node.namespace = p.getProperty("namespace");
        }
        Path passwordFile = home.getParent().resolve("admin.password");
        if (Files.exists(passwordFile)) {
            node.password = adminPassword(home.getParent());
        }
        return Optional.of(node);
    }

    private static Map<String, Integer> readPorts(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String kind : List.of("jgroups", "ssh", "rmi.registry", "rmi.server", "http")) {
            String value = p.getProperty(kind);
            if (value == null) {
                throw new IOException(file + " names no " + kind + " port");
            }
            ports.put(kind, Integer.parseInt(value.strip()));
        }
        return ports;
    }

    /** every port recorded by the nodes under {@code root}: not handed out again while those nodes are down */
    private static Set<Integer> recordedPorts(Path root) throws IOException {
        Set<Integer> ports = new HashSet<>();
        if (!Files.isDirectory(root)) {
            return ports;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.collect(Collectors.toList())) {
                if (Files.isRegularFile(dir.resolve(PORTS_FILE))) {
                    ports.addAll(readPorts(dir.resolve(PORTS_FILE)).values());
                }
            }
        }
        return ports;
    }

    /** a random password for the nodes under {@code root}, made once (root/admin.password, rw-------) */
    public static synchronized String adminPassword(Path root) throws IOException {
        Path file = root.resolve("admin.password");
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            writeOwnerOnly(file, HexFormat.of().formatHex(random) + "\n");
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /**
     * the admin's ssh key for the nodes under {@code root}, made once (root/admin.key, rw-------): commands log
     * in with it, so no password is on a command line; returns the public key for etc/keys.properties
     */
    public static synchronized String adminKey(Path root) throws IOException {
        Path pub = root.resolve("admin.key.pub");
        if (!Files.exists(pub)) {
            Files.writeString(pub, SshSession.newKey(root.resolve("admin.key")), StandardCharsets.UTF_8);
        }
        return Files.readString(pub, StandardCharsets.UTF_8).strip();
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * adds a user to etc/users.properties with the digest of its password, as the shipped
     * etc/org.apache.karaf.jaas.cfg has Karaf keep them: {@code user = {CRYPT}sha512{CRYPT},roleOrGroup}
     */
    public void addUser(String newUser, String newPassword, String roleOrGroup) throws IOException {
        Files.writeString(home.resolve("etc/users.properties"), "\n" + newUser + " = {CRYPT}"
                + passwordDigest(newPassword) + "{CRYPT}," + roleOrGroup + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    /** Karaf's basic encryption of a password: SHA-512, hexadecimal */
    public static String passwordDigest(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** lets {@code keyUser} log in over ssh with this public key (etc/keys.properties, read at every login) */
    public void addKey(String keyUser, String publicKey, String roleOrGroup) throws IOException {
        Files.writeString(home.resolve("etc/keys.properties"), "\n" + keyUser + " = " + publicKey + ","
                + roleOrGroup + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** logs in with the user bin/setenv made at the first start (etc/admin.password), once it exists */
    public void useGeneratedAdmin() throws IOException {
        Path file = home.resolve("etc/admin.password");
        if (!Files.exists(file)) {
            throw new IllegalStateException(name + ": no etc/admin.password; bin/setenv made no user (yet)");
        }
        password = Files.readString(file, StandardCharsets.UTF_8).strip();
        addKey(user, adminKey(home.getParent()), "_g_:admingroup");
    }

    /**
     * The node's cutover.* system properties, as the README shows: every node of {@code all} is a TCPPING host
     * and a member of the new cluster's log.
     */
    public KarafNode cluster(String clusterName, List<KarafNode> all) {
        extraJavaOpts = String.join(" ",
                "-Djava.net.preferIPv4Stack=true",
                "-Dcutover.node.name=" + name,
                "-Dcutover.cluster.name=" + clusterName,
                "-Dcutover.bind_addr=" + address,
                "-Dcutover.bind_port=" + jgroupsPort,
                "-Dcutover.initial_hosts=" + all.stream().map(KarafNode::hostAndPort).collect(Collectors.joining(",")),
                "-Dcutover.members=" + all.stream().map(n -> n.name).collect(Collectors.joining(",")));
        return this;
    }

    /**
     * As {@link #cluster(String, List)}, but the node finds the others by DNS: DNS_PING asks {@code dnsServer} for
     * the SRV records of {@code srvQuery} (a node and its port each) instead of a fixed TCPPING list
     */
    public KarafNode clusterByDns(String clusterName, List<KarafNode> all, String srvQuery, String dnsServer) {
        cluster(clusterName, all);
        extraJavaOpts = extraJavaOpts.replaceAll("-Dcutover\\.initial_hosts=\\S*", "")
                + " -Dcutover.dns_query=" + srvQuery + " -Dcutover.dns_address=" + dnsServer
                + " -Dcutover.dns_record_type=SRV";
        return this;
    }

    public String hostAndPort() {
        return address + "[" + jgroupsPort + "]";
    }

    /**
     * Puts the node on a private network, as on a machine of its own: it runs in network namespace {@code ns}, binds
     * JGroups, ssh and JMX to {@code address}, and is reached there (recorded in the folder for later runs)
     */
    public void placeOn(String nodeAddress, String ns) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is running; stop it first");
        }
        setCfg("etc/org.apache.karaf.shell.cfg", Map.of("sshHost", nodeAddress));
        setCfg("etc/org.apache.karaf.management.cfg", Map.of("rmiRegistryHost", nodeAddress, "rmiServerHost",
                nodeAddress));
        Path aside = home.resolve(NETWORK_FILE + ".tmp");
        Files.write(aside, List.of("address=" + nodeAddress, "namespace=" + ns), StandardCharsets.UTF_8);
        Files.move(aside, home.resolve(NETWORK_FILE), StandardCopyOption.ATOMIC_MOVE);
        this.address = nodeAddress;
        this.namespace = ns;
    }

    /** the address the node binds and is reached at */
    public String address() {
        return address;
    }

    /** the network namespace the node runs in, if it is on a private network */
    public Optional<String> namespace() {
        return Optional.ofNullable(namespace);
    }

    /** starts {@code bin/karaf server} as a child of this JVM, output in console.log */
    public void start() throws IOException {
        process = launch(false);
    }

    /**
     * starts {@code bin/karaf server} in a session of its own (setsid): it outlives this JVM, as a node of
     * {@code ./cutover} must; output appended to console.log
     */
    public void startDetached() throws IOException {
        process = launch(true);
    }

    /** {@code command} as run in the node's network namespace, if it has one */
    private List<String> inNamespace(String... command) {
        List<String> cmd = new ArrayList<>();
        if (namespace != null) {
            cmd.addAll(List.of("ip", "netns", "exec", namespace));
        }
        cmd.addAll(List.of(command));
        return cmd;
    }

    private Process launch(boolean detached) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is running already (pid " + pid().orElse(-1L) + ")");
        }
        List<String> cmd = new ArrayList<>();
        if (detached) {
            cmd.add("setsid");
        }
        cmd.addAll(inNamespace(home.resolve("bin/karaf").toString(), "server"));
        File console = home.resolve("console.log").toFile();
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(detached ? ProcessBuilder.Redirect.appendTo(console) : ProcessBuilder.Redirect.to(console))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("EXTRA_JAVA_OPTS", extraJavaOpts);
        return pb.start();
    }

    /**
     * Restart mode, while the node is stopped: its next boot installs infrastructure {@code infraVersion}
     * instead of the one in its boot features, and {@code alsoBoot} features (those it had installed at run
     * time). Boot features are applied on a first boot only, so the features cache goes (data/cache, data/tmp);
     * the cluster state in data/cutover stays.
     */
    public void bootWithInfra(String infraVersion, String... alsoBoot) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is running; stop it first");
        }
        Path cfg = home.resolve("etc/org.apache.karaf.features.cfg");
        String text = Files.readString(cfg, StandardCharsets.UTF_8);
        Matcher infra = Pattern.compile("cutover-infra/\\d+\\.\\d+\\.\\d+").matcher(text);
        if (!infra.find()) {
            throw new IllegalStateException("no cutover-infra boot feature in " + cfg);
        }
        StringBuilder boot = new StringBuilder("cutover-infra/" + infraVersion);
        for (String feature : alsoBoot) {
            if (!text.contains(feature.split("/")[0])) {
                boot.append(", \\\n    ").append(feature);
            }
        }
        Files.writeString(cfg, text.substring(0, infra.start()) + boot + text.substring(infra.end()),
                StandardCharsets.UTF_8);
        deleteTree(home.resolve("data/cache"));
        deleteTree(home.resolve("data/tmp"));
    }

    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    /**
     * the node's JVM: the process this launcher started, else the one whose command line names this node's
     * karaf.base (karaf.pid is written only some seconds into the boot)
     */
    public Optional<ProcessHandle> process() {
        if (process != null) {
            return process.isAlive() ? Optional.of(process.toHandle()) : Optional.empty();
        }
        String base = "-Dkaraf.base=" + home;
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(base)).orElse(false))
                .findFirst();
    }

    /**
     * the node's JVM itself: the java process whose command line names this node's karaf.base (for a node this
     * launcher started, {@link #process()} is bin/karaf, the script that runs it)
     */
    public Optional<ProcessHandle> jvm() {
        String base = "-Dkaraf.base=" + home;
        return process().flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants())
                .filter(h -> h.info().arguments().map(args -> List.of(args).contains(base)).orElse(false))
                .findFirst());
    }

    /** the pid of the node's JVM (what jcmd, ps and /proc/PID/status want) */
    public Optional<Long> pid() {
        return jvm().map(ProcessHandle::pid);
    }

    public boolean isAlive() {
        return process().map(ProcessHandle::isAlive).orElse(false);
    }

    /** runs one shell command as the admin user, over ssh with the admin's key */
    public ShellResult shell(String command, Duration timeout) {
        return shell(command, timeout, java.io.OutputStream.nullOutputStream());
    }

    /**
     * as {@link #shell(String, Duration)}, copying the output to {@code live} as it comes. Each command is a login of
     * its own, closed by this side when the command ends: Karaf's ssh server closes a session once its exec command
     * has run (measured: closed within 500 ms, so a second command on it fails), and sessions left to the server
     * to close piled up until one node's ssh server stopped accepting connections (after 269 in two minutes)
     */
    public ShellResult shell(String command, Duration timeout, java.io.OutputStream live) {
        if (password == null) {
            throw new IllegalStateException(name + " has no admin user yet (useGeneratedAdmin after the start)");
        }
        return loggedIn(() -> SshSession.withKey(address, sshPort, user, home.getParent().resolve("admin.key")),
                command, timeout, live);
    }

    /** runs one shell command as {@code someUser}, logged in with a password (in this JVM, not on a command line) */
    public ShellResult shellAs(String someUser, String somePassword, String command) {
        return loggedIn(() -> SshSession.withPassword(address, sshPort, someUser, somePassword), command,
                COMMAND_TIMEOUT, java.io.OutputStream.nullOutputStream());
    }

    /** opens an ssh session (a login), in {@link #loggedIn} */
    private interface Login {
        SshSession open() throws IOException;
    }

    /**
     * One login for one command, tried again while the node's ssh server does not answer yet (it boots). A server
     * that has its port open but sends nothing ({@link SshProbe}) stopped accepting for good: it is restarted once
     * over JMX ({@link #restartSshServer}), as an operator would, and said so on the output and in
     * ssh-restarts.log of the node's folder, with what was seen of the node before.
     */
    private ShellResult loggedIn(Login login, String command, Duration timeout, java.io.OutputStream live) {
        return retried(new SshServer() {
            @Override
            public ShellResult attempt() throws IOException {
                try (SshSession session = login.open()) {
                    return session.exec(command, timeout, live);
                } catch (SshSession.CommandTimeoutException e) {
                    throw new CommandFailedException(name + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean silent() {
                return SshProbe.probe(address, sshPort, SSH_PROBE_WAIT) == SshProbe.Answer.SILENT;
            }

            @Override
            public void restart(IOException failure) {
                restartStuckSshServer(command, failure);
            }

            @Override
            public CommandFailedException failed(IOException last) {
                return new CommandFailedException(name + ": '" + command + "' could not run: " + last + " ("
                        + unanswered() + ")", last);
            }
        }, CONNECT_TIMEOUT, Duration.ofSeconds(1));
    }

    /** a node's ssh server as {@link #retried} sees it */
    interface SshServer {
        /** one login and the command on it */
        ShellResult attempt() throws IOException;

        /** whether the server's port takes a connection and sends nothing */
        boolean silent();

        /** restarts the server, or throws a CommandFailedException */
        void restart(IOException failure);

        /** the exception that ends the tries, after {@code last} */
        CommandFailedException failed(IOException last);
    }

    /**
     * {@code server}'s attempts until one runs the command: after a failure, a server found {@link SshServer#silent}
     * is restarted once and the wait starts again; otherwise another attempt follows {@code pause} later if the
     * failed one began before the deadline. Counting from an attempt's start, not its end, is what keeps a login
     * that hung for its whole timeout (30 s, as long as {@code connectTimeout}) from being the only one after a
     * restart: a CI run failed so, the one login after the restart hanging 30 s.
     */
    static ShellResult retried(SshServer server, Duration connectTimeout, Duration pause) {
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        boolean restarted = false;
        while (true) {
            long began = System.nanoTime();
            try {
                return server.attempt();
            } catch (IOException e) {
                if (!restarted && server.silent()) {
                    restarted = true;
                    server.restart(e);
                    deadline = System.nanoTime() + connectTimeout.toNanos();
                    continue;
                }
                // not listening yet while the node boots
                if (began - deadline > 0) {
                    throw server.failed(e);
                }
                sleep(pause);
            }
        }
    }

    private void restartStuckSshServer(String command, IOException failure) {
        String seen = unanswered();
        String said = Instant.now() + " " + name + ": its ssh server accepted no login ('" + command + "': " + failure
                + ") and its port answered a plain connection with nothing for " + SSH_PROBE_WAIT.toSeconds()
                + " s; restarting it over JMX. Seen before: " + seen;
        System.out.println(said);
        try {
            Files.writeString(home.resolve("ssh-restarts.log"), said + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            restartSshServer();
        } catch (IOException | RuntimeException e) {
            throw new CommandFailedException(name + ": its ssh server does not accept logins and could not be"
                    + " restarted over JMX: " + e + " (" + seen + ")", e);
        }
    }

    /**
     * restarts the node's ssh server (bundle org.apache.karaf.shell.ssh: a new server, listener and threads) over
     * JMX as the admin, the way left to an operator when the ssh server itself no longer takes logins
     */
    public void restartSshServer() throws IOException {
        javax.management.remote.JMXServiceURL url = new javax.management.remote.JMXServiceURL(
                "service:jmx:rmi:///jndi/rmi://" + address + ":" + rmiRegistryPort + "/karaf-root");
        try (javax.management.remote.JMXConnector jmx = javax.management.remote.JMXConnectorFactory.connect(url,
                Map.of(javax.management.remote.JMXConnector.CREDENTIALS, new String[] {user, password}))) {
            jmx.getMBeanServerConnection().invoke(new javax.management.ObjectName("org.apache.karaf:type=bundle,name=root"),
                    "restart", new Object[] {"org.apache.karaf.shell.ssh"}, new String[] {String.class.getName()});
        } catch (javax.management.JMException e) {
            throw new IOException(name + ": bundle org.apache.karaf.shell.ssh not restarted over JMX: " + e, e);
        }
    }

    public ShellResult shell(String command) {
        return shell(command, COMMAND_TIMEOUT);
    }

    /**
     * {@code feature:install FEATURE}, once the node has the command: a node that booted a moment ago registers
     * the features commands a few seconds after it is in the cluster ("Command not found: feature:install", seen
     * in CI). Fails with the node's answer otherwise.
     */
    public String installFeature(String feature) {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        while (true) {
            ShellResult r = shell("feature:install " + feature);
            if (r.succeeded() || !r.output().contains("Command not found") || System.nanoTime() > deadline) {
                return r.orThrow(name);
            }
            sleep(Duration.ofSeconds(1));
        }
    }

    /** runs one shell command; its output and error output whatever its exit status (the ITs read both) */
    public String client(String command) {
        return shell(command).output();
    }

    /** the admin's password (JMX logins; ssh logins use the key) */
    public String adminPassword() {
        return password;
    }

    /** cluster:node-list as seen from this node: node name to "STATUS levels" */
    public Map<String, String> nodeList() {
        Map<String, String> rows = new LinkedHashMap<>();
        ClusterTables.nodes(shell("cluster:node-list --no-format").orThrow(name))
                .forEach(row -> rows.put(row.name(), row.status() + " " + row.levels()));
        if (rows.isEmpty()) {
            throw new IllegalStateException(name + ": no node rows in cluster:node-list");
        }
        return rows;
    }

    /** the node's data/log/karaf.log as it is now */
    public String log() throws IOException {
        return Files.readString(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8);
    }

    /**
     * what can be seen of a node whose ssh server does not answer: its JVM ({@link #describeJvm}) and, at most once
     * a minute, its threads dumped into its folder, counted by state
     */
    private String unanswered() {
        Optional<Long> pid = pid();
        if (pid.isEmpty()) {
            return "no JVM runs for " + name;
        }
        StringBuilder said = new StringBuilder(describeJvm(pid.get()));
        long now = System.nanoTime();
        if (lastDump == 0 || now - lastDump > TimeUnit.MINUTES.toNanos(1)) {
            lastDump = now;
            try {
                Path dump = dumpThreads();
                List<String> lines = Files.readAllLines(dump);
                said.append("; threads by state ").append(threadStates(lines)).append(" in ").append(dump)
                        .append("; ssh server's threads ").append(sshServerThreads(lines));
            } catch (IOException | RuntimeException e) {
                said.append("; no thread dump: ").append(e);
            }
            said.append("; its ssh port's sockets: ").append(sshSockets());
            said.append("; console.log: ").append(consoleExceptLoginNoise());
        }
        return said.toString();
    }

    /**
     * the threads that serve ssh, each as name, state and top frame: MINA SSHD's nio2 workers and the JDK's epoll
     * thread of their channel group ({@code EPollPort$EventHandlerTask}, a plain "Thread-N"), which alone polls for
     * new connections and reads. In the nodes that stopped answering (docs/operating.md) the logins waited unaccepted
     * in the kernel while the poller waited in epoll_wait and the workers on their queue
     */
    static List<String> sshServerThreads(List<String> dump) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < dump.size(); i++) {
            if (!dump.get(i).startsWith("\"")) {
                continue;
            }
            String name = dump.get(i).substring(1, Math.max(1, dump.get(i).indexOf('"', 1)));
            String state = "";
            String top = "";
            boolean poller = false;
            for (int j = i + 1; j < dump.size() && !dump.get(j).isBlank(); j++) {
                String line = dump.get(j).strip();
                if (line.startsWith("java.lang.Thread.State: ")) {
                    state = line.substring("java.lang.Thread.State: ".length()).split(" ")[0];
                } else if (line.startsWith("at ")) {
                    top = top.isEmpty() ? line.substring(3).replaceAll("\\(.*", "") : top;
                    poller |= line.contains("EPollPort$EventHandlerTask");
                }
            }
            if (name.startsWith("sshd-SshServer") || poller) {
                found.add((poller ? "epoll " : "") + name.replaceAll("^sshd-SshServer\\[\\w+\\]", "") + " " + state + " at "
                        + top);
            }
        }
        return found;
    }

    /** console.log (the JVM's own output) without the lines every viewer login prints: a failing JDK thread's trace */
    private String consoleExceptLoginNoise() {
        try (Stream<String> lines = Files.lines(home.resolve("console.log"), StandardCharsets.UTF_8)) {
            List<String> rest = lines.filter(l -> !l.startsWith("Error in initialization script")
                    && !l.startsWith("setenv: ")).collect(Collectors.toList());
            return rest.isEmpty() ? "nothing unusual"
                    : String.join(" | ", rest.subList(Math.max(0, rest.size() - 8), rest.size()));
        } catch (IOException | RuntimeException e) {
            return "(" + e + ")";
        }
    }

    /**
     * the TCP sockets of the node's ssh port as the kernel shows them (in the node's namespace, if any): whether the
     * logins that got no answer reached the node at all, and whether what they sent waits unread. Nodes whose ssh
     * server stopped answering had idle ssh threads and nothing in karaf.log (NetworkChaosProcessIT, 2026-12-04)
     */
    private String sshSockets() {
        try {
            Process p = new ProcessBuilder(inNamespace("ss", "-tn", "state", "all", "( sport = :" + sshPort + " )"))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out.strip().replaceAll("\\s*\\n\\s*", " | ");
        } catch (IOException | RuntimeException e) {
            return "(ss: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(ss interrupted)";
        }
    }

    /** a process as /proc shows it: its state, CPU time, threads, resident memory and open files */
    static String describeJvm(long pid) {
        StringBuilder said = new StringBuilder("JVM ").append(pid);
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            // stat: after the name in parentheses, the state, then 10 fields, then user and system CPU ticks
            String stat = Files.readString(proc.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            said.append(" state ").append(f[0]).append(String.format(java.util.Locale.ROOT, ", cpu %.1f s",
                    (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0));
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("Threads:") || line.startsWith("VmRSS:")) {
                    said.append(", ").append(line.replaceAll("\\s+", " "));
                }
            }
            try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                said.append(", ").append(fds.count()).append(" files open");
            }
        } catch (IOException | RuntimeException e) {
            said.append(" (/proc: ").append(e).append(')');
        }
        return said.toString();
    }

    /** how many threads of a {@code jcmd Thread.print} dump are in each state */
    static Map<String, Long> threadStates(List<String> dump) {
        String tag = "java.lang.Thread.State: ";
        return dump.stream().map(String::strip).filter(l -> l.startsWith(tag))
                .collect(Collectors.groupingBy(l -> l.substring(tag.length()).split(" ")[0], TreeMap::new,
                        Collectors.counting()));
    }

    /** the JVM's threads as {@code jcmd PID Thread.print} gives them, in {@code threads-PID.txt} of its folder */
    public Path dumpThreads() throws IOException {
        long pid = pid().orElseThrow(() -> new IllegalStateException(name + " is not running"));
        Path file = home.resolve("threads-" + pid + ".txt");
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print").redirectErrorStream(true)
                .redirectOutput(file.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return file;
    }

    /** the JVM dies at once (SIGKILL): no goodbye, the others see it vanish */
    public void kill9() {
        Optional<ProcessHandle> jvm = process();
        if (jvm.isEmpty()) {
            return;
        }
        jvm.get().descendants().forEach(ProcessHandle::destroyForcibly);
        jvm.get().destroyForcibly();
        awaitExit(jvm.get(), Duration.ofSeconds(30), "SIGKILL");
    }

    /** orderly: system:shutdown, then waits for the process to end */
    public void stop(Duration timeout) {
        Optional<ProcessHandle> jvm = process();
        if (jvm.isEmpty()) {
            return;
        }
        try {
            shell("system:shutdown -f");
        } catch (CommandFailedException e) {
            // the node may close the connection before it answers; its exit below is what counts
        }
        awaitExit(jvm.get(), timeout, "system:shutdown");
    }

    private void awaitExit(ProcessHandle jvm, Duration timeout, String after) {
        try {
            jvm.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CommandFailedException(name + " (pid " + jvm.pid() + ") still running " + timeout.toSeconds()
                    + " s after " + after);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException(name + ": interrupted while waiting for it to end");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ends the node's JVM if it runs (SIGKILL), and waits for it */
    @Override
    public void close() {
        kill9();
    }

    /** a new configuration file under etc/, as an operator drops one: written aside, then moved in whole */
    public void writeCfg(String file, Map<String, Object> values) throws IOException {
        List<String> lines = new ArrayList<>();
        values.forEach((k, v) -> lines.add(k + " = " + v));
        Path aside = home.resolve("data").resolve(file + ".tmp");
        Files.createDirectories(aside.getParent());
        Files.write(aside, lines, StandardCharsets.UTF_8);
        Files.move(aside, home.resolve("etc").resolve(file), StandardCopyOption.ATOMIC_MOVE);
    }

    /** removes a configuration file from etc/ (Karaf deletes its configuration) */
    public void deleteCfg(String file) throws IOException {
        Files.delete(home.resolve("etc").resolve(file));
    }

    /** sets {@code key = value} lines in a .cfg under the node's home: replaced where the key is, else appended */
    public void setCfg(String file, Map<String, Object> values) throws IOException {
        Path path = home.resolve(file);
        List<String> lines = new ArrayList<>(Files.readAllLines(path, StandardCharsets.UTF_8));
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Pattern key = Pattern.compile("^\\s*" + Pattern.quote(e.getKey()) + "\\s*=.*$");
            String line = e.getKey() + " = " + e.getValue();
            boolean replaced = false;
            for (int i = 0; i < lines.size(); i++) {
                if (key.matcher(lines.get(i)).matches()) {
                    lines.set(i, line);
                    replaced = true;
                }
            }
            if (!replaced) {
                lines.add(line);
            }
        }
        Files.write(path, lines, StandardCharsets.UTF_8);
    }

    private static void run(List<String> cmd, String failure) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(failure + ": " + new String(p.getInputStream().readAllBytes(),
                        StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted");
        }
    }

    @Override
    public String toString() {
        return name + "(jgroups " + jgroupsPort + ", ssh " + sshPort + ")";
    }
}
