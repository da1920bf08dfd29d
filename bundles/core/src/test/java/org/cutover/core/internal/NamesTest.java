package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.version.VersionNegotiator;
import org.junit.Test;

/** names reach shell tables and log lines: none may carry terminal control or invisible formatting */
public class NamesTest {

    private static final List<String> HOSTILE = List.of("kv\u001b[2J", "kv\rnode1 | ACTIVE", "a\nb", "kv\t",
            "\u202ekv", "k\u200bv", "k\u0000v", "k\u009bv");

    @Test
    public void printableNamesPassControlAndInvisibleCharactersDoNot() {
        for (String ok : List.of("kv", "orders-2026", "grüße", "日本", "node_1.a")) {
            assertEquals(ok, Names.requirePrintable("name", ok));
        }
        for (String bad : HOSTILE) {
            try {
                Names.requirePrintable("the group name", bad);
                fail("accepted " + bad.codePoints().mapToObj(Integer::toHexString).toList());
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().startsWith("the group name holds"));
                assertFalse("the message echoes the name", expected.getMessage().contains(bad));
            }
        }
    }

    @Test
    public void theApiRefusesThemBeforeAnythingIsSent() throws Exception {
        for (String bad : HOSTILE) {
            assertRefused(() -> settings(bad, List.of()));
            assertRefused(() -> settings("node1", List.of("node1", bad)));
        }
        // nothing connected: a refusal that needed the cluster would fail with "not connected" instead
        java.nio.file.Path certs = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "names");
        org.cutover.core.internal.tls.NodeTls tls = org.cutover.core.internal.tls.NodeTls.load(
                org.cutover.core.internal.testing.TestCertificates.node(
                        org.cutover.core.internal.testing.TestCertificates.ca(certs.resolve("ca")), "node1",
                        certs.resolve("node1")), "node1", java.time.Duration.ofHours(1));
        ClusterNode node = new ClusterNode(settings("node1", List.of()), tls, () -> {
            throw new AssertionError("no channel is made to refuse a name");
        }, new InfraLevels(), EventSink.NONE);
        try {
            VersionNegotiator versions = new VersionNegotiator(node);
            for (String bad : HOSTILE) {
                assertRefused(() -> node.join(bad, new org.cutover.core.internal.testing.RecordingListener()));
                assertRefused(() -> node.removeNode(bad));
                assertRefused(() -> node.addNode(bad));
                VersionRequest request = new VersionRequest(Set.of("kv", bad), false, java.util.OptionalInt.of(2),
                        false);
                assertRefused(() -> versions.check(request));
                assertRefused(() -> versions.adjust(request));
            }
        } finally {
            node.close();
        }
    }

    private static NodeSettings settings(String name, List<String> members) {
        Path dir = Path.of("target", "names-test");
        return new NodeSettings(name, "names", members, dir.resolve("log"), false, dir.resolve("state.bin"),
                Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    private static void assertRefused(Runnable call) {
        try {
            call.run();
            fail("a name with a control character was accepted");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("control or invisible character"));
        }
    }
}
