package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.cutover.launcher.KarafNode;

/**
 * The distribution's bin/setenv (sourced by every script of bin/) makes the
 * admin user at the first start. Two scripts started at once (bin/start, then
 * bin/client) must not both make one: the users file would hold two users
 * karaf, and etc/admin.password the password of only one of them.
 */
public class FirstUserProcessIT {

    private static final int ROUNDS = 20;

    @Test
    public void twoScriptsStartedAtOnceMakeOneAdminWhosePasswordIsTheOneWritten() throws Exception {
        Path root = CutoverKarafOptions.itestDir().toPath().resolve("first-user");
        KarafNode.deleteTree(root);
        Files.createDirectories(root);
        KarafNode node = KarafNode.unpackWithoutUser("f1", root, CutoverKarafOptions.distribution());
        Path etc = node.home.resolve("etc");
        Path users = etc.resolve("users.properties");
        String shipped = Files.readString(users, StandardCharsets.UTF_8);
        for (int round = 0; round < ROUNDS; round++) {
            Files.writeString(users, shipped, StandardCharsets.UTF_8);
            Files.deleteIfExists(etc.resolve("admin.password"));
            List<Process> scripts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ProcessBuilder pb = new ProcessBuilder("sh", "-c", ". \"$0\"", node.home.resolve("bin/setenv")
                        .toString()).redirectErrorStream(true);
                pb.environment().put("KARAF_ETC", etc.toString());
                scripts.add(pb.start());
            }
            for (Process p : scripts) {
                assertTrue("bin/setenv did not finish", p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8), 0,
                        p.exitValue());
            }
            String file = Files.readString(users, StandardCharsets.UTF_8);
            long admins = file.lines().filter(l -> l.startsWith("karaf =")).count();
            assertEquals("round " + round + ": users named karaf in\n" + file, 1, admins);
            Properties p = new Properties();
            p.load(new StringReader(file));
            String password = Files.readString(etc.resolve("admin.password"), StandardCharsets.UTF_8).strip();
            assertEquals("round " + round + ": the users file holds the digest of etc/admin.password",
                    "{CRYPT}" + KarafNode.passwordDigest(password) + "{CRYPT},_g_:admingroup", p.getProperty("karaf"));
            assertTrue("no lock left behind", !Files.exists(etc.resolve(".first-user.lock")));
        }
        KarafNode.deleteTree(root);
    }
}
