package org.cutover.health.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.LogStatus;
import org.cutover.api.Member;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.junit.Test;

/** The checks' verdicts from what the cluster services say, without a cluster. */
public class ChecksTest {

    /** a service that answers the named methods only */
    @SuppressWarnings("unchecked")
    private static <T> T fake(Class<T> type, Map<String, Function<Object[], Object>> answers) {
        return (T) Proxy.newProxyInstance(ChecksTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    Function<Object[], Object> answer = answers.get(method.getName());
                    if (answer == null) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return answer.apply(args);
                });
    }

    private static ClusterService cluster(LogStatus status, Map<String, NodeStatus> nodes) {
        return cluster(status, nodes, Optional.empty());
    }

    private static ClusterService cluster(LogStatus status, Map<String, NodeStatus> nodes, Optional<String> stopped) {
        return fake(ClusterService.class, Map.of(
                "localNode", a -> "node1",
                "logStatus", a -> status,
                "stoppedBecause", a -> stopped,
                "voters", a -> List.of("node1", "node2", "node3"),
                "definedNode", a -> Optional.ofNullable(nodes.get((String) a[0]))
                        .map(s -> new DefinedNode((String) a[0], s, "127.0.0.1", new TreeSet<>(List.of(1))))));
    }

    private static GroupService groups(GroupInfo... infos) {
        return fake(GroupService.class, Map.of(
                "groups", a -> List.of(infos),
                "group", a -> List.of(infos).stream().filter(g -> g.name().equals(a[0])).findFirst()));
    }

    private static String messages(Result r) {
        StringBuilder sb = new StringBuilder();
        for (ResultLog.Entry e : r) {
            sb.append(e.getStatus()).append(' ').append(e.getMessage()).append('\n');
        }
        return sb.toString();
    }

    @Test
    public void theNodeIsCriticalWithoutALeaderAndWarnsWhileItCatchesUp() {
        Map<String, NodeStatus> nodes = Map.of("node1", NodeStatus.ACTIVE);
        Result ok = new NodeCheck(cluster(new LogStatus(true, "node2", 500, 500), nodes)).execute();
        assertEquals(messages(ok), Result.Status.OK, ok.getStatus());
        assertTrue(messages(ok), messages(ok).contains("leader node2"));
        Result alone = new NodeCheck(cluster(new LogStatus(false, "", 500, 500), nodes)).execute();
        assertEquals(messages(alone), Result.Status.CRITICAL, alone.getStatus());
        Result behind = new NodeCheck(cluster(new LogStatus(true, "node2", 5000, 10), nodes)).execute();
        assertEquals(messages(behind), Result.Status.WARN, behind.getStatus());
        assertTrue(messages(behind), messages(behind).contains("4990 committed entries"));
        Result stopped = new NodeCheck(cluster(new LogStatus(false, "", 500, 500), nodes,
                Optional.of("java.lang.OutOfMemoryError: Java heap space"))).execute();
        assertEquals(messages(stopped), Result.Status.CRITICAL, stopped.getStatus());
        assertTrue(messages(stopped), messages(stopped).contains("stopped following the cluster log"
                + " (java.lang.OutOfMemoryError: Java heap space): restart it"));
    }

    /** the version service's check of one group to one level, answering with these failures */
    private static VersionService versions(CheckFailure... failures) {
        return fake(VersionService.class, Map.of("check", a -> {
            VersionRequest r = (VersionRequest) a[0];
            return new CheckResult(r.target().orElseThrow(), Map.of(), Map.of(), List.of(failures));
        }));
    }

    @Test
    public void aGroupBelowItsPotentialLevelWarnsAndSaysWhatTheAutomaticAdjustWaitsFor() {
        GroupInfo kv = new GroupInfo("kv", 1, 2, 3, List.of());
        GroupInfo orders = new GroupInfo("orders", 2, 2, 5, List.of());
        Result r = new GroupLevelsCheck(groups(kv, orders), versions(new CheckFailure(ReasonCode.NODE_INACTIVE,
                List.of("node3"), "defined node(s) node3 are not active"))).execute();
        assertEquals(messages(r), Result.Status.WARN, r.getStatus());
        assertTrue(messages(r), messages(r).contains("kv runs level 1 of 2, not held: the automatic adjust waits: "
                + "NODE_INACTIVE: defined node(s) node3 are not active"));
        Result due = new GroupLevelsCheck(groups(kv), versions()).execute();
        assertTrue(messages(due), messages(due).contains("the automatic adjust is due"));
        assertEquals(Result.Status.OK, new GroupLevelsCheck(groups(orders), versions()).execute().getStatus());
        Result held = new GroupLevelsCheck(groups(new GroupInfo("kv", 1, 2, 3, List.of(), true), orders),
                versions()).execute();
        assertEquals(messages(held), Result.Status.OK, held.getStatus());
        assertTrue(messages(held), messages(held).contains("held at level 1 of 2"));
        Result above = new GroupLevelsCheck(groups(new GroupInfo("kv", 2, 1, 4, List.of())), versions()).execute();
        assertEquals(messages(above), Result.Status.CRITICAL, above.getStatus());
    }

    @Test
    public void aGroupIsCriticalWhenTheNodeOfAMemberIsNotActive() {
        GroupInfo kv = new GroupInfo("kv", 1, 1, 3, List.of(new Member("node1", "node1#1.1"),
                new Member("node2", "node2#1.1")));
        Result ok = new GroupCheck("kv", groups(kv), cluster(new LogStatus(true, "node1", 1, 1),
                Map.of("node1", NodeStatus.ACTIVE, "node2", NodeStatus.ACTIVE))).execute();
        assertEquals(messages(ok), Result.Status.OK, ok.getStatus());
        Result split = new GroupCheck("kv", groups(kv), cluster(new LogStatus(true, "node1", 1, 1),
                Map.of("node1", NodeStatus.ACTIVE, "node2", NodeStatus.PARTITIONED))).execute();
        assertEquals(messages(split), Result.Status.CRITICAL, split.getStatus());
        assertTrue(messages(split), messages(split).contains("[node2]"));
        Result gone = new GroupCheck("orders", groups(kv), cluster(new LogStatus(true, "node1", 1, 1),
                Map.of())).execute();
        assertEquals(Result.Status.CRITICAL, gone.getStatus());
    }
}
