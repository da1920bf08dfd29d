package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * The distribution's security defaults on a real Karaf process, unpacked from
 * the built tar.gz and started as shipped (bin/karaf, no user written by the
 * test): etc/users.properties holds no user, bin/setenv makes the admin user
 * with a random password at the first start and bin/client without -u logs in
 * with it; every command without an ACL of its own needs admin
 * (karaf.secured.command.compulsory.roles); a viewer may look at the cluster
 * but not change it; JMX operations on domain org.cutover need admin over the
 * real JMX/RMI connector.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class SecurityDefaultsProcessIT {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private static KarafNode node;
    private static Properties shippedUsers;
    private static String viewerPassword;

    @BeforeClass
    public static void unpackAndStartAsShipped() throws Exception {
        Path root = CutoverKarafOptions.itestDir().toPath().resolve("security-nodes");
        KarafNode.deleteTree(root);
        Files.createDirectories(root);
        node = KarafNode.unpackWithoutUser("s1", root);
        shippedUsers = properties(node.home.resolve("etc/users.properties"));
        // the global JMX default loosened to "every operation: viewer" in this node only, so that what
        // still refuses a viewer on org.cutover is etc/jmx.acl.org.cutover.cfg and nothing else
        node.setCfg("etc/jmx.acl.cfg", Map.of("*", "viewer"));
        node.cluster("it-sec-" + node.jgroupsPort, java.util.List.of(node)).start();
        Await.until("bin/karaf's setenv wrote etc/admin.password", BOOT_TIMEOUT,
                () -> Files.exists(node.home.resolve("etc/admin.password")), Boolean::booleanValue);
        node.useGeneratedAdmin();
        Await.until("s1 ACTIVE (bin/client as the generated admin)", BOOT_TIMEOUT, node::nodeList,
                list -> list.getOrDefault("s1", "").startsWith("ACTIVE"));
    }

    @AfterClass
    public static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    public void a_theShippedUsersFileDefinesNoUser() {
        Set<String> users = new TreeSet<>();
        for (String key : shippedUsers.stringPropertyNames()) {
            if (!key.startsWith("_g_:")) {
                users.add(key);
            }
        }
        assertEquals("users with a password in the shipped etc/users.properties", Set.of(), users);
        assertTrue("the admin group is still defined: " + shippedUsers, shippedUsers.containsKey("_g_:admingroup"));
    }

    @Test
    public void b_theFirstStartMadeOneAdminWithARandomPasswordOnlyItsOwnerCanRead() throws Exception {
        Path usersFile = node.home.resolve("etc/users.properties");
        Path passwordFile = node.home.resolve("etc/admin.password");
        String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        Properties users = properties(usersFile);
        assertEquals(password + ",_g_:admingroup", users.getProperty("karaf"));
        assertTrue("a long random password: " + password, password.matches("[0-9a-f]{48}"));
        assertFalse("not Karaf's well-known one", "karaf".equals(password));
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(usersFile));
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(passwordFile));
        String wrong = node.clientAs("karaf", "karaf", "cluster:node-list");
        assertFalse("karaf/karaf logged in: " + wrong, wrong.contains("ACTIVE"));
    }

    @Test
    public void c_binClientWithoutAUserLogsInAsTheGeneratedAdmin() {
        String out = node.clientAsLocalDefault("cluster:node-list");
        assertTrue("bin/client without -u: " + out, out.contains("ACTIVE"));
    }

    @Test
    public void d_aViewerLooksButCannotChangeTheNodeOrTheCluster() throws Exception {
        String out = viewer("cluster:node-list");
        assertTrue("viewer cluster:node-list: " + out, out.contains("ACTIVE"));
        // the cluster ACL keeps these for admin; bundle and feature changes have Karaf's own ACLs;
        // log:set and bundle:list have no ACL at all: only karaf.secured.command.compulsory.roles=admin refuses them
        for (String command : List.of("cluster:version-adjust --all", "cluster:node-remove nobody",
                "cluster:node-add nobody", "cluster:majority-recover --force", "bundle:stop 1",
                "feature:install cutover-example", "log:set INFO", "bundle:list")) {
            String refused = viewer(command);
            assertTrue("viewer ran '" + command + "': " + refused,
                    refused.contains("Command not found") || refused.contains("Insufficient credentials"));
        }
        for (String command : List.of("log:set INFO", "bundle:list")) {
            String admin = node.client(command);
            assertFalse("admin could not run '" + command + "': " + admin,
                    admin.contains("Command not found") || admin.contains("Insufficient credentials"));
        }
    }

    /**
     * Core registers no MBean of its own, and Karaf answers an operation on an MBean that does not exist with
     * InstanceNotFoundException before it looks at the ACL. So the ACL is asked the way Karaf's own tools ask
     * it: JMXSecurityMBean.canInvoke over the real connector, evaluated for the logged-in user's roles against
     * the configuration Karaf loaded from etc/ (PID jmx.acl.org.cutover).
     */
    @Test
    public void e_overJmxOnlyAdminMayInvokeOperationsOfDomainOrgCutover() throws Exception {
        String cutover = "org.cutover:type=node,name=s1";
        try (JMXConnector viewer = jmx("viewer", viewerPassword())) {
            MBeanServerConnection c = viewer.getMBeanServerConnection();
            assertFalse("a viewer may invoke adjust on " + cutover, canInvoke(c, cutover, "adjust"));
            assertFalse("a viewer may set an attribute on " + cutover, canInvoke(c, cutover, "setLevel"));
            assertTrue("a viewer may read " + cutover, canInvoke(c, cutover, "getLevel"));
            // the control: this node's loosened global default lets the viewer invoke on any other domain,
            // so the refusal above is etc/jmx.acl.org.cutover.cfg's
            assertTrue("the global default was not loosened", canInvoke(c, "org.cutover.itest.other:type=probe",
                    "adjust"));
        }
        try (JMXConnector admin = jmx("karaf", Files.readString(node.home.resolve("etc/admin.password")).strip())) {
            assertTrue("admin may invoke adjust on " + cutover,
                    canInvoke(admin.getMBeanServerConnection(), cutover, "adjust"));
        }
    }

    private static boolean canInvoke(MBeanServerConnection c, String objectName, String operation) throws Exception {
        return (Boolean) c.invoke(new ObjectName("org.apache.karaf:type=security,area=jmx,name=root"), "canInvoke",
                new Object[] {objectName, operation, new String[0]},
                new String[] {String.class.getName(), String.class.getName(), String[].class.getName()});
    }

    private JMXConnector jmx(String user, String password) throws IOException {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + node.rmiRegistryPort
                + "/karaf-root");
        return JMXConnectorFactory.connect(url, Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    private static String viewer(String command) throws IOException {
        return node.clientAs("viewer", viewerPassword(), command);
    }

    /** a viewer user, added once: Karaf's properties login module reads etc/users.properties at every login */
    private static synchronized String viewerPassword() throws IOException {
        if (viewerPassword == null) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            viewerPassword = HexFormat.of().formatHex(random);
            node.addUser("viewer", viewerPassword, "_g_:viewergroup");
        }
        return viewerPassword;
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        return p;
    }
}
