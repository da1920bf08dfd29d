package org.cutover.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.Set;

import javax.inject.Inject;
import javax.security.auth.Subject;

import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.cutover.api.ClusterService;
import org.cutover.api.NodeStatus;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The cutover-shell feature as the distribution boots it: the commands of scope
 * "cluster" are there and answer, and etc/org.apache.karaf.command.acl.cluster.cfg
 * keeps the commands that change the cluster (version-adjust, node-remove) for
 * the admin role.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellCommandsIT {

    private static final String NODE = "shell-it";
    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATE_TIMEOUT = Duration.ofSeconds(20);

    @Inject
    private BundleContext context;

    private SessionFactory sessions;

    @Configuration
    public Option[] config() {
        return CutoverKarafOptions.singleNode(NODE);
    }

    @Before
    public void nodeIsActive() {
        ClusterService cluster = Await.service(context, ClusterService.class, SERVICE_TIMEOUT);
        Await.until("node " + NODE + " ACTIVE with level 1", STATE_TIMEOUT, () -> cluster.definedNode(NODE),
                n -> n.isPresent() && n.get().status() == NodeStatus.ACTIVE && n.get().canRun(1));
        sessions = Await.service(context, SessionFactory.class, SERVICE_TIMEOUT);
    }

    @Test
    public void viewerListsNodesAndGroups() throws Exception {
        // the shell registers its commands asynchronously after the bundle starts
        String nodes = Await.until("cluster:node-list listing " + NODE, STATE_TIMEOUT,
                () -> run("viewer", "cluster:node-list"), out -> out.contains(NODE));
        assertTrue(nodes, nodes.contains("ACTIVE"));
        assertTrue(nodes, nodes.contains("127.0.0.1:"));
        String groups = run("viewer", "cluster:group-list");
        assertTrue(groups, groups.contains("no groups"));
    }

    @Test
    public void adjustAndRemoveNeedTheAdminRole() throws Exception {
        Await.until("cluster:node-list available", STATE_TIMEOUT,
                () -> run("viewer", "cluster:node-list"), out -> out.contains(NODE));
        // Karaf hides a command from a session whose roles the ACL does not name
        for (String command : new String[] {"cluster:version-adjust --all", "cluster:node-remove nobody",
                "cluster:node-add nobody", "cluster:majority-recover --force"}) {
            String viewer = outcome("viewer", command);
            assertTrue(viewer, viewer.contains("Command not found") || viewer.contains("Insufficient credentials"));
            String admin = outcome("admin", command);
            assertFalse(admin, admin.contains("Command not found") || admin.contains("Insufficient credentials"));
        }
        // admin reaches the command itself, which refuses an unknown node with its reason code
        String remove = outcome("admin", "cluster:node-remove nobody");
        assertTrue(remove, remove.contains("UNKNOWN_NODE"));
        String add = outcome("admin", "cluster:node-add nobody");
        assertTrue(add, add.contains("UNKNOWN_NODE"));
        // a one-node cluster leads itself: nothing to recover, and nothing changes
        String recover = outcome("admin", "cluster:majority-recover --force");
        assertTrue(recover, recover.contains("NODE_ACTIVE"));
    }

    /** what a command printed, or its failure */
    private String outcome(String role, String command) {
        try {
            return run(role, command);
        } catch (CommandFailed e) {
            return e.getMessage();
        }
    }

    /** runs one command as a user with the given role; its output, or CommandFailed with output and error */
    private String run(String role, String command) {
        Subject subject = new Subject(false, Set.of(new UserPrincipal("it-" + role), new RolePrincipal(role)),
                Set.of(), Set.of());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try {
            Object result = Subject.doAs(subject, (PrivilegedExceptionAction<Object>) () -> {
                try (Session session = sessions.create(new ByteArrayInputStream(new byte[0]), out, out)) {
                    return session.execute(command);
                }
            });
            out.flush();
            String text = bytes.toString(StandardCharsets.UTF_8);
            return result == null ? text : text + result;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            out.flush();
            throw new CommandFailed(command + " as " + role + " failed: " + cause + "; output: "
                    + bytes.toString(StandardCharsets.UTF_8), cause);
        }
    }

    private static final class CommandFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CommandFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
