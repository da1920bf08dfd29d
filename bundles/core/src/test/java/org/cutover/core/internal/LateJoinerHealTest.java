package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

import org.cutover.api.DefinedNode;
import org.cutover.api.Group;
import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.UpgradeStatus.State;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.cutover.core.internal.upgrade.FeatureInstaller;
import org.cutover.core.internal.upgrade.NodeUpgrader;
import org.cutover.core.internal.upgrade.RollingUpgrades;
import org.junit.After;
import org.junit.Test;

/**
 * Issue 12, item 4, on 3 in-JVM nodes: after a cluster-wide upgrade moved group kv to level 2, node3 comes back
 * with infrastructure level 1 only (as a node set up again from the distribution). It installs what the cluster's
 * upgrades installed before its member is admitted; a node that cannot is refused NODE_INCAPABLE, naming the level
 * it lacks and why the install failed, and the group is as it was.
 */
public class LateJoinerHealTest {

    private static final String FEATURE = "cutover-infra/2.0.0";

    private final List<NodeUpgrader> upgraders = new ArrayList<>();
    private final List<String> installs = new CopyOnWriteArrayList<>();

    @After
    public void closeUpgraders() {
        upgraders.forEach(NodeUpgrader::close);
    }

    /** adds level 2 to the node a moment after it returns, as an infra bundle's component starts; or fails */
    private FeatureInstaller installer(TestNode n, String failure) {
        return (feature, simulate) -> {
            installs.add(n.name + " " + feature);
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (n.infra.protocol(2).isEmpty()) {
                    n.infra.add(new TestInfra(2));
                }
            }).start();
            return new FeatureInstaller.Installed("installed " + feature, Set.of(2));
        };
    }

    /** 3 nodes, kv with a member on node1 and node2, upgraded to 2.0.0 and adjusted to level 2; node3 stopped */
    private List<TestNode> upgradedWithoutNode3(TestCluster cluster) throws Exception {
        List<TestNode> nodes = cluster.startAll(3, 1);
        for (TestNode n : nodes) {
            upgraders.add(new NodeUpgrader(n.node, installer(n, null)).start());
        }
        for (TestNode n : nodes.subList(0, 2)) {
            n.node.join("kv", new RecordingListener());
        }
        new RollingUpgrades(nodes.get(0).node).start(FEATURE, 1, false);
        TestNode n1 = nodes.get(0);
        Await.until("the upgrade done and kv at level 2", TestCluster.WAIT,
                () -> n1.node.read(ClusterState::upgrade).map(u -> u.state() == State.DONE).orElse(false)
                        && n1.node.group("kv").map(g -> g.level() == 2).orElse(false),
                () -> n1.node.read(ClusterState::upgrade) + " " + n1.node.group("kv"));
        assertEquals(new TreeSet<>(Set.of(FEATURE)), n1.node.read(ClusterState::clusterFeatures));
        upgraders.remove(2).close();
        nodes.get(2).stop();
        installs.clear();
        return nodes;
    }

    private static SortedSet<Integer> levelsOf(TestNode seer, String node) {
        return seer.node.read(s -> s.definedNode(node)).map(DefinedNode::levels).orElseThrow();
    }

    @Test
    public void aNodeBackWithoutTheGroupsLevelInstallsItBeforeItsMemberIsAdmitted() throws Exception {
        try (TestCluster cluster = new TestCluster("heal-late-joiner", 3)) {
            TestNode n1 = upgradedWithoutNode3(cluster).get(0);
            TestNode back = cluster.start(2, 1);
            upgraders.add(new NodeUpgrader(back.node, installer(back, null)).start());
            Group member = back.node.join("kv", new RecordingListener());
            assertEquals("admitted at the group's level", 2, member.level());
            assertEquals(Set.of(1, 2), levelsOf(n1, "node3"));
            assertTrue("node3 installed the cluster's feature: " + installs, installs.contains("node3 " + FEATURE));
            Await.until("node1 seeing kv's 3 members", TestCluster.WAIT,
                    () -> n1.node.group("kv").map(g -> g.members().size() == 3).orElse(false), () -> n1.node.group("kv"));
        }
    }

    @Test
    public void aNodeBackWithoutTheLevelHealsItselfBeforeAnyJoin() throws Exception {
        try (TestCluster cluster = new TestCluster("heal-by-itself", 3)) {
            TestNode n1 = upgradedWithoutNode3(cluster).get(0);
            TestNode back = cluster.start(2, 1);
            upgraders.add(new NodeUpgrader(back.node, installer(back, null)).start());
            Await.until("node1 seeing node3 at levels 1, 2", TestCluster.WAIT,
                    () -> levelsOf(n1, "node3").equals(Set.of(1, 2)), () -> levelsOf(n1, "node3"));
            assertEquals(List.of("node3 " + FEATURE), installs);
        }
    }

    @Test
    public void aNodeThatCannotGetTheLevelIsRefusedNamingWhatItLacks() throws Exception {
        try (TestCluster cluster = new TestCluster("heal-refused", 3)) {
            TestNode n1 = upgradedWithoutNode3(cluster).get(0);
            TestNode back = cluster.start(2, 1);
            upgraders.add(new NodeUpgrader(back.node, installer(back, "Error downloading "
                    + "mvn:org.cutover/org.cutover.infra.v2/1.0.0")).start());
            GroupException refused = assertThrows(GroupException.class,
                    () -> back.node.join("kv", new RecordingListener()));
            assertEquals(ReasonCode.NODE_INCAPABLE, refused.code());
            assertTrue(refused.getMessage(), refused.getMessage().contains("member of group kv (level 2) not admitted:"
                    + " node node3 runs levels [1] and lacks level 2; installing cutover-infra/2.0.0 failed: Error"
                    + " downloading mvn:org.cutover/org.cutover.infra.v2/1.0.0"));
            assertEquals(Set.of(1), levelsOf(n1, "node3"));
            assertEquals("kv as it was", 2, n1.node.group("kv").orElseThrow().members().size());
            assertEquals(2, n1.node.group("kv").orElseThrow().level());
        }
    }
}
