package org.cutover.itests;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of the built distribution run as a real process (bin/karaf server)
 * from its own copy under target/, on loopback and its own ports, configured
 * the way the README says: cutover.* system properties in EXTRA_JAVA_OPTS, ssh
 * and RMI ports in etc/. Driven through bin/client.
 */
final class KarafNode implements AutoCloseable {

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final Path home;
    final int jgroupsPort;
    final int sshPort;
    final int rmiRegistryPort;
    /** Pax Web's port, for the web view (feature cutover-web); loopback as shipped */
    final int httpPort;
    /** the admin user bin/client logs in as; the distribution ships none, so unpack() writes one */
    private String user = "karaf";
    private String password;
    private String extraJavaOpts = "";
    private Process process;

    private KarafNode(String name, Path home, int jgroupsPort, int sshPort, int rmiRegistryPort, int httpPort) {
        this.name = name;
        this.home = home;
        this.jgroupsPort = jgroupsPort;
        this.sshPort = sshPort;
        this.rmiRegistryPort = rmiRegistryPort;
        this.httpPort = httpPort;
    }

    /**
     * unpacks the distribution into {@code root/name} with fresh free ports, and gives it the admin user
     * karaf with the random password of the nodes under {@code root} (the distribution ships no user)
     */
    static KarafNode unpack(String name, Path root) throws IOException, InterruptedException {
        KarafNode node = unpackWithoutUser(name, root);
        node.addUser(node.user, adminPassword(root), "_g_:admingroup");
        node.password = adminPassword(root);
        node.addKey(node.user, adminKey(root), "_g_:admingroup");
        return node;
    }

    /**
     * unpacks as {@link #unpack} but leaves etc/users.properties as the distribution ships it: the node's
     * first bin/ script (bin/setenv) makes the admin user, see {@link #useGeneratedAdmin()}
     */
    static KarafNode unpackWithoutUser(String name, Path root) throws IOException, InterruptedException {
        Path home = root.resolve(name);
        Files.createDirectories(home);
        String tarball = new File(CutoverKarafOptions.distributionUrl().substring("file:".length())).getPath();
        Process tar = new ProcessBuilder("tar", "xzf", tarball, "-C", home.toString(), "--strip-components=1")
                .redirectErrorStream(true).start();
        if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            tar.destroyForcibly();
            throw new IOException("could not unpack " + tarball + ": "
                    + new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        // the node's certificate from the CA of the nodes under root, in etc/cutover-tls (the shipped tls.dir)
        Certificates.node(root, name, home.resolve("etc/cutover-tls"));
        int rmiRegistry = CutoverKarafOptions.freePort();
        KarafNode node = new KarafNode(name, home, CutoverKarafOptions.freePort(), CutoverKarafOptions.freePort(),
                rmiRegistry, CutoverKarafOptions.freePort());
        // boot features in their own thread: from the features bundle's activator (the default) a first
        // boot can deadlock when the deployer must stop that bundle (seen with ./cutover: Felix.acquireBundleLock)
        node.setCfg("etc/org.apache.karaf.features.cfg", Map.of("featuresBootAsynchronous", "true"));
        node.setCfg("etc/org.apache.karaf.shell.cfg", Map.of("sshPort", node.sshPort, "sshHost", "127.0.0.1"));
        node.setCfg("etc/org.apache.karaf.management.cfg", Map.of(
                "rmiRegistryPort", rmiRegistry, "rmiRegistryHost", "127.0.0.1",
                "rmiServerPort", CutoverKarafOptions.freePort(), "rmiServerHost", "127.0.0.1"));
        node.setCfg("etc/org.ops4j.pax.web.cfg", Map.of("org.osgi.service.http.port", node.httpPort));
        return node;
    }

    /** a random password for the nodes under {@code root}, made once (root/admin.password) */
    static synchronized String adminPassword(Path root) throws IOException {
        Path file = root.resolve("admin.password");
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new java.security.SecureRandom().nextBytes(random);
            Files.writeString(file, java.util.HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /**
     * the admin's ssh key for the nodes under {@code root}, made once (root/admin.key, rw-------): bin/client
     * logs in with it, so no password is on its command line; returns the public key for etc/keys.properties
     */
    static synchronized String adminKey(Path root) throws IOException {
        Path pub = root.resolve("admin.key.pub");
        if (!Files.exists(pub)) {
            Files.writeString(pub, SshLogin.newKey(root.resolve("admin.key")), StandardCharsets.UTF_8);
        }
        return Files.readString(pub, StandardCharsets.UTF_8).strip();
    }

    /**
     * adds a user to etc/users.properties with the digest of its password, as the shipped
     * etc/org.apache.karaf.jaas.cfg has Karaf keep them: {@code user = {CRYPT}sha512{CRYPT},roleOrGroup}
     */
    void addUser(String newUser, String newPassword, String roleOrGroup) throws IOException {
        Files.writeString(home.resolve("etc/users.properties"), "\n" + newUser + " = {CRYPT}"
                + passwordDigest(newPassword) + "{CRYPT}," + roleOrGroup + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Karaf's basic encryption of a password: SHA-512, hexadecimal */
    static String passwordDigest(String password) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-512")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** lets {@code keyUser} log in over ssh with this public key (etc/keys.properties, read at every login) */
    void addKey(String keyUser, String publicKey, String roleOrGroup) throws IOException {
        Files.writeString(home.resolve("etc/keys.properties"), "\n" + keyUser + " = " + publicKey + ","
                + roleOrGroup + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    /** logs in with the user bin/setenv made at the first start (etc/admin.password), once it exists */
    void useGeneratedAdmin() throws IOException {
        Path file = home.resolve("etc/admin.password");
        if (!Files.exists(file)) {
            throw new IllegalStateException(name + ": no etc/admin.password; bin/setenv made no user (yet)");
        }
        user = "karaf";
        password = Files.readString(file, StandardCharsets.UTF_8).strip();
        addKey(user, adminKey(home.getParent()), "_g_:admingroup");
    }

    /**
     * The node's cutover.* system properties, as the README shows: every node of {@code all} is a TCPPING host
     * and a member of the new cluster's log.
     */
    KarafNode cluster(String clusterName, java.util.List<KarafNode> all) {
        extraJavaOpts = String.join(" ",
                "-Djava.net.preferIPv4Stack=true",
                "-Dcutover.node.name=" + name,
                "-Dcutover.cluster.name=" + clusterName,
                "-Dcutover.bind_addr=127.0.0.1",
                "-Dcutover.bind_port=" + jgroupsPort,
                "-Dcutover.initial_hosts=" + all.stream().map(KarafNode::hostAndPort)
                        .collect(java.util.stream.Collectors.joining(",")),
                "-Dcutover.members=" + all.stream().map(n -> n.name)
                        .collect(java.util.stream.Collectors.joining(",")));
        return this;
    }

    String hostAndPort() {
        return "127.0.0.1[" + jgroupsPort + "]";
    }

    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("console.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("EXTRA_JAVA_OPTS", extraJavaOpts);
        process = pb.start();
    }

    /**
     * Restart mode, while the node is stopped: its next boot installs infrastructure {@code infraVersion}
     * instead of the one in its boot features, and {@code alsoBoot} features (those it had installed at run
     * time). Boot features are applied on a first boot only, so the features cache goes (data/cache, data/tmp);
     * the cluster state in data/cutover stays.
     */
    void bootWithInfra(String infraVersion, String... alsoBoot) throws IOException {
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
            boot.append(", \\\n    ").append(feature);
        }
        Files.writeString(cfg, text.substring(0, infra.start()) + boot + text.substring(infra.end()),
                StandardCharsets.UTF_8);
        deleteTree(home.resolve("data/cache"));
        deleteTree(home.resolve("data/tmp"));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).collect(java.util.stream.Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** runs one shell command as the node's admin user through bin/client, logged in with its key; its output */
    String client(String command) {
        if (password == null) {
            throw new IllegalStateException(name + " has no admin user yet (useGeneratedAdmin after the start)");
        }
        return runClient(command, "-h", "127.0.0.1", "-a", Integer.toString(sshPort), "-u", user,
                "-k", home.getParent().resolve("admin.key").toString(), "-r", "30", "-d", "1", "-b");
    }

    /** the admin's password (JMX logins; ssh logins use the key) */
    String adminPassword() {
        return password;
    }

    private String runClient(String command, String... args) {
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(home.resolve("bin/client").toString());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(home.toFile())
                    .redirectErrorStream(true);
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process client = pb.start();
            client.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
            client.getOutputStream().close();
            byte[] out;
            if (!client.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                client.destroyForcibly();
                throw new IllegalStateException("bin/client on " + name + " did not finish '" + command + "' in "
                        + CLIENT_TIMEOUT.toSeconds() + " s");
            }
            out = client.getInputStream().readAllBytes();
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** cluster:node-list as seen from this node: node name to "STATUS levels" */
    Map<String, String> nodeList() {
        String out = client("cluster:node-list");
        Map<String, String> rows = new LinkedHashMap<>();
        Pattern row = Pattern.compile(
                "^\\s*(\\S+)\\s*\\|\\s*(ACTIVE|INACTIVE|PARTITIONED)\\s*\\|[^|]*\\|\\s*([^|]*?)\\s*(?:\\|.*)?$");
        for (String line : out.split("\\R")) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                rows.put(m.group(1), m.group(2) + " " + m.group(3));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException("no node rows in: " + out.strip());
        }
        return rows;
    }

    /** the node's data/log/karaf.log as it is now */
    String log() throws IOException {
        return Files.readString(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8);
    }

    /** the JVM dies at once (SIGKILL): no goodbye, the others see it vanish */
    void kill9() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " still alive 30 s after SIGKILL");
        }
    }

    /** orderly: system:shutdown, then waits for the process to end */
    void stop(Duration timeout) throws InterruptedException {
        client("system:shutdown -f");
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not stop within " + timeout.toSeconds() + " s");
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** a new configuration file under etc/, as an operator drops one: written aside, then moved in whole */
    void writeCfg(String name, Map<String, Object> values) throws IOException {
        List<String> lines = new ArrayList<>();
        values.forEach((k, v) -> lines.add(k + " = " + v));
        Path aside = home.resolve("data").resolve(name + ".tmp");
        Files.write(aside, lines, StandardCharsets.UTF_8);
        Files.move(aside, home.resolve("etc").resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** removes a configuration file from etc/ (Karaf deletes its configuration) */
    void deleteCfg(String name) throws IOException {
        Files.delete(home.resolve("etc").resolve(name));
    }

    void setCfg(String file, Map<String, Object> values) throws IOException {
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

    @Override
    public String toString() {
        return name + "(jgroups " + jgroupsPort + ", ssh " + sshPort + ")";
    }
}
