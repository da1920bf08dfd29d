package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.cutover.launcher.KarafNode;

/**
 * The heap bounds the distribution's bin/setenv gives every script of bin/: Karaf 4.4's Unix scripts ignore
 * JAVA_MIN_MEM and JAVA_MAX_MEM, so without them a node's JVM takes 1/64 of the machine's memory at start and may
 * grow to 1/4. Each case sources the built bin/setenv as bin/karaf does and asks this JVM's java which flags the
 * resulting EXTRA_JAVA_OPTS give. {@code SecurityDefaultsProcessIT} reads the bound from a node started as shipped.
 */
public class HeapBoundsProcessIT {

    private static final Pattern FLAG = Pattern.compile("^\\s*\\S+\\s+(\\w+)\\s+:?=\\s+(\\S+)", Pattern.MULTILINE);
    private static final long MB = 1L << 20;

    private static Path root;
    private static KarafNode node;

    @BeforeClass
    public static void unpack() throws IOException {
        root = CutoverKarafOptions.itestDir().toPath().resolve("heap-bounds");
        KarafNode.deleteTree(root);
        Files.createDirectories(root);
        node = KarafNode.unpackWithoutUser("h1", root, CutoverKarafOptions.distribution());
    }

    @AfterClass
    public static void remove() throws IOException {
        if (root != null) {
            KarafNode.deleteTree(root);
        }
    }

    @Test
    public void aNodeStartsWithA64MbHeapBoundedAt1GbThatGivesBackWhatItDoesNotUse() throws Exception {
        Map<String, String> flags = flagsAfterSetenv(null);
        assertEquals(flags.toString(), String.valueOf(64 * MB), flags.get("InitialHeapSize"));
        assertEquals(flags.toString(), String.valueOf(1024 * MB), flags.get("MaxHeapSize"));
        assertEquals(flags.toString(), "30", flags.get("MaxHeapFreeRatio"));
        assertEquals(flags.toString(), "15000", flags.get("G1PeriodicGCInterval"));
    }

    @Test
    public void anOperatorsOwnHeapOptionInExtraJavaOptsWins() throws Exception {
        Map<String, String> flags = flagsAfterSetenv("-Xmx2g -XX:G1PeriodicGCInterval=0");
        assertEquals(flags.toString(), String.valueOf(2048 * MB), flags.get("MaxHeapSize"));
        assertEquals(flags.toString(), "0", flags.get("G1PeriodicGCInterval"));
        assertEquals("the bound the operator did not set stays", String.valueOf(64 * MB), flags.get("InitialHeapSize"));
    }

    /** bin/start sources bin/setenv, then starts bin/karaf, which sources it again with what bin/start exported. */
    @Test
    public void sourcedTwiceWithAnExportedExtraJavaOptsTheBoundsAppearOnce() throws Exception {
        String opts = run("EXTRA_JAVA_OPTS='-Dcutover.node.name=h1'; export EXTRA_JAVA_OPTS; . \"$0\"; "
                + "sh -c '. \"$0\"; printf %s \"$EXTRA_JAVA_OPTS\"' \"$0\"");
        assertEquals(opts, 1, opts.split("-Xmx1g", -1).length - 1);
        assertTrue(opts, opts.endsWith("-Dcutover.node.name=h1"));
    }

    private static Map<String, String> flagsAfterSetenv(String operatorOptions) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = (operatorOptions == null ? "unset EXTRA_JAVA_OPTS; " : "EXTRA_JAVA_OPTS='" + operatorOptions
                + "'; ") + ". \"$0\"; exec '" + java + "' $EXTRA_JAVA_OPTS -XX:+PrintFlagsFinal -version";
        Map<String, String> flags = new HashMap<>();
        Matcher m = FLAG.matcher(run(script));
        while (m.find()) {
            flags.put(m.group(1), m.group(2));
        }
        assertTrue("no flags printed", flags.containsKey("MaxHeapSize"));
        return flags;
    }

    private static String run(String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", script, node.home.resolve("bin/setenv").toString())
                .redirectErrorStream(true);
        pb.environment().put("KARAF_ETC", node.home.resolve("etc").toString());
        pb.environment().remove("EXTRA_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("the script did not finish", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(out, 0, p.exitValue());
        return out;
    }
}
