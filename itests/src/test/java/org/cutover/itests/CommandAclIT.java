package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.inject.Inject;
import javax.security.auth.Subject;

import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * Every shell command of a booted node, the example's included, has a rule of
 * its own in the shipped etc/org.apache.karaf.command.acl.SCOPE.cfg: nothing is
 * left to karaf.secured.command.compulsory.roles, the fallback that guards a
 * command only when no ACL of its scope names it. A command added later
 * without a rule fails this test by name.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CommandAclIT {

    private static final String NODE = "acl-it";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return CutoverKarafOptions.singleNode(NODE);
    }

    @Test
    public void everyCommandHasAnExplicitRule() throws Exception {
        FeaturesService features = Await.service(context, FeaturesService.class, TIMEOUT);
        features.installFeature("cutover-example");
        SessionFactory sessions = Await.service(context, SessionFactory.class, TIMEOUT);
        // the shell registers a bundle's commands asynchronously once it starts
        Await.until("the example's kv commands", TIMEOUT, () -> commands(sessions),
                all -> all.stream().anyMatch(c -> c.startsWith("kv:")) && all.stream()
                        .anyMatch(c -> c.startsWith("cluster:")));
        Set<String> all = commands(sessions);
        Path etc = Path.of(System.getProperty("karaf.etc"));
        TreeMap<String, Set<String>> missing = new TreeMap<>();
        for (String command : all) {
            String scope = command.substring(0, command.indexOf(':'));
            String name = command.substring(command.indexOf(':') + 1);
            if (!rules(etc, scope).contains(name)) {
                missing.computeIfAbsent(scope, s -> new TreeSet<>()).add(name);
            }
        }
        assertTrue("no commands seen: " + all, all.size() > 50);
        assertEquals("commands without a rule in etc/org.apache.karaf.command.acl.SCOPE.cfg (of " + all.size()
                + ")", new TreeMap<>(), missing);
    }

    /**
     * scope:name of every command a session of an admin with every shipped role sees (a session shows only the
     * commands its roles may run, and one without a subject only those no ACL names); not the shell's own
     * scope "*" (exit, help, and one entry per scope for completion), which runs no bundle's function
     */
    private static Set<String> commands(SessionFactory sessions) {
        Subject admin = new Subject(false, Set.of(new UserPrincipal("acl-it"), new RolePrincipal("admin"),
                new RolePrincipal("manager"), new RolePrincipal("viewer"), new RolePrincipal("systembundles"),
                new RolePrincipal("ssh")), Set.of(), Set.of());
        try {
            return Subject.doAs(admin, (PrivilegedExceptionAction<Set<String>>) () -> {
                PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                try (Session session = sessions.create(new ByteArrayInputStream(new byte[0]), out, out)) {
                    Set<String> names = new TreeSet<>();
                    for (Command c : session.getRegistry().getCommands()) {
                        if (!"*".equals(c.getScope())) {
                            names.add(c.getScope() + ":" + c.getName());
                        }
                    }
                    return names;
                }
            });
        } catch (java.security.PrivilegedActionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** the commands a scope's ACL file names (a key is a command, with an optional [/args/] pattern) */
    private static Set<String> rules(Path etc, String scope) throws IOException {
        Path file = etc.resolve("org.apache.karaf.command.acl." + scope + ".cfg");
        Set<String> names = new TreeSet<>();
        if (!Files.exists(file)) {
            return names;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        for (String key : p.stringPropertyNames()) {
            int args = key.indexOf('[');
            names.add((args < 0 ? key : key.substring(0, args)).trim());
        }
        return names;
    }
}
