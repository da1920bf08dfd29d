package org.cutover.itests;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;

/**
 * Three real Karaf processes from copies of the built distribution form one
 * cluster on loopback; infrastructure 2.0.0 is installed node by node from each
 * node's system/ folder; an orderly stop shows as INACTIVE and a SIGKILL as
 * PARTITIONED.
 */
public class MultiNodeProcessIT {

    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(60);

    private final List<KarafNode> nodes = new ArrayList<>();

    @After
    public void stopEverything() {
        nodes.forEach(KarafNode::close);
    }

    @Test
    public void threeNodesFormRollToInfra2AndReportStopAndCrash() throws Exception {
        // the last run's nodes stay for inspection until the next run
        Path root = CutoverKarafOptions.itestDir().toPath().resolve("nodes");
        deleteTree(root);
        Files.createDirectories(root);
        for (String name : List.of("n1", "n2", "n3")) {
            nodes.add(KarafNode.unpack(name, root));
        }
        String hosts = nodes.stream().map(KarafNode::hostAndPort).collect(Collectors.joining(","));
        String clusterName = "it-multi-" + nodes.get(0).jgroupsPort;
        long t0 = System.nanoTime();
        for (KarafNode node : nodes) {
            node.cluster(clusterName, hosts).start();
        }
        KarafNode n1 = nodes.get(0);
        KarafNode n2 = nodes.get(1);
        KarafNode n3 = nodes.get(2);

        Map<String, String> expected = Map.of("n1", "ACTIVE 1", "n2", "ACTIVE 1", "n3", "ACTIVE 1");
        Await.until("n1, n2, n3 ACTIVE at level 1 as n1 sees them", FORM_TIMEOUT, n1::nodeList, expected::equals);
        System.out.printf("MultiNodeProcessIT: 3 nodes started and ACTIVE in %d ms%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        assertEquals(expected, Await.until("the same list at n3", STATUS_TIMEOUT, n3::nodeList, expected::equals));

        // rolling hot install, node by node, from each node's own system/ folder
        for (KarafNode node : nodes) {
            long t = System.nanoTime();
            node.client("feature:install cutover-infra/2.0.0");
            String self = node.name;
            Await.until(self + " announcing levels 1, 2", STATUS_TIMEOUT, n2::nodeList,
                    list -> "ACTIVE 1, 2".equals(list.get(self)));
            System.out.printf("MultiNodeProcessIT: %s on infra 2.0.0, seen at n2, in %d ms%n", self,
                    Duration.ofNanos(System.nanoTime() - t).toMillis());
        }
        Map<String, String> rolled = Map.of("n1", "ACTIVE 1, 2", "n2", "ACTIVE 1, 2", "n3", "ACTIVE 1, 2");
        Await.until("every node at levels 1, 2 as n3 sees them", STATUS_TIMEOUT, n3::nodeList, rolled::equals);

        n3.stop(STATUS_TIMEOUT);
        Await.until("n3 INACTIVE after its orderly stop", STATUS_TIMEOUT, n1::nodeList,
                list -> list.get("n3") != null && list.get("n3").startsWith("INACTIVE"));

        n2.kill9();
        Map<String, String> after = Await.until("n2 PARTITIONED after SIGKILL", STATUS_TIMEOUT, n1::nodeList,
                list -> list.get("n2") != null && list.get("n2").startsWith("PARTITIONED"));
        assertEquals("ACTIVE 1, 2", after.get("n1"));
        assertEquals("INACTIVE", after.get("n3").split(" ")[0]);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
