package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.security.Principal;
import java.security.PrivilegedExceptionAction;
import java.util.List;

import javax.security.auth.Subject;

import org.cutover.api.GroupException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * The cluster's ACL, checked where operations are applied. The node that asks has no ACL of its own here (as a
 * node whose Karaf command ACL lets viewers run cluster:version-adjust): it sends the viewer's adjust and node
 * removal into the log, and every node refuses them. An admin's and the node's own code's are applied, and the
 * history names who asked.
 */
public class ClusterAclTest {

    /** Karaf's principals are told apart by simple class name, as these are */
    static final class UserPrincipal implements Principal {
        private final String name;

        UserPrincipal(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }
    }

    static final class RolePrincipal implements Principal {
        private final String name;

        RolePrincipal(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }
    }

    static Subject login(String user, String... roles) {
        Subject s = new Subject();
        s.getPrincipals().add(new UserPrincipal(user));
        for (String r : roles) {
            s.getPrincipals().add(new RolePrincipal(r));
        }
        return s;
    }

    @SuppressWarnings("removal")
    static <T> T as(Subject s, PrivilegedExceptionAction<T> action) throws Exception {
        try {
            return Subject.doAs(s, action);
        } catch (java.security.PrivilegedActionException e) {
            throw e.getException();
        }
    }

    @Test
    public void aViewersAdjustAndRemovalAreRefusedOnEveryNodeAnAdminsApplied() throws Exception {
        try (TestCluster cluster = new TestCluster("cluster-acl", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            TestNode node1 = nodes.get(0);
            node1.node.join("g", new RecordingListener());

            AdjustResult viewer = as(login("vera", "viewer"),
                    () -> node1.versions.adjust(VersionRequest.of(1, "g").withDowngrade()));
            assertFalse(viewer.complete());
            assertEquals(viewer.toString(), ReasonCode.NOT_AUTHORIZED,
                    viewer.check().failures().get(viewer.check().failures().size() - 1).code());
            // a user without roles, and a login without a user: no rights of the node's
            AdjustResult none = as(login("nobody"),
                    () -> node1.versions.adjust(VersionRequest.of(1, "g").withDowngrade()));
            assertFalse(none.complete());
            for (TestNode n : nodes) {
                assertEquals(n.name + ": g stays at level 2", 2, n.node.group("g").orElseThrow().level());
                assertTrue(n.name + ": nothing in the history", n.versions.history(java.util.Optional.of("g"))
                        .isEmpty());
            }

            AdjustResult admin = as(login("ada", "viewer", "admin"),
                    () -> node1.versions.adjust(VersionRequest.of(1, "g").withDowngrade()));
            assertTrue(admin.toString(), admin.complete());
            assertTrue(node1.versions.adjust(VersionRequest.of(2, "g")).complete());
            for (TestNode n : nodes) {
                Await.until(n.name + " has both adjusts in its history", TestCluster.WAIT,
                        () -> n.versions.history(java.util.Optional.of("g")).size() >= 2,
                        () -> n.versions.history(java.util.Optional.of("g")));
                List<String> who = n.versions.history(java.util.Optional.of("g")).stream()
                        .map(AdjustRecord::requestedBy).toList();
                assertEquals(n.name + ": the history names who asked", List.of("ada@node1", "node1"),
                        who.subList(who.size() - 2, who.size()));
            }

            // removing a stopped node: refused for the viewer on every node, applied for the admin
            TestNode node2 = nodes.get(1);
            node2.stop();
            Await.until("node2 is no longer active on node1", TestCluster.WAIT,
                    () -> node1.node.definedNode("node2").map(d -> d.status() != org.cutover.api.NodeStatus.ACTIVE)
                            .orElse(false), () -> node1.node.definedNode("node2"));
            GroupException refused = assertThrows(GroupException.class, () -> as(login("vera", "viewer"), () -> {
                node1.node.removeNode("node2");
                return null;
            }));
            assertEquals(refused.getMessage(), ReasonCode.NOT_AUTHORIZED, refused.code());
            for (TestNode n : List.of(node1, nodes.get(2))) {
                assertTrue(n.name + " still defines node2", n.node.definedNode("node2").isPresent());
            }
            as(login("ada", "admin"), () -> {
                node1.node.removeNode("node2");
                return null;
            });
            for (TestNode n : List.of(node1, nodes.get(2))) {
                Await.until(n.name + " no longer defines node2", TestCluster.WAIT,
                        () -> n.node.definedNode("node2").isEmpty(), () -> n.node.definedNode("node2"));
            }
        }
    }

    /**
     * The ACL is replicated: an admin widens it on one node, and every node then applies what it allows (an
     * operator's node-add and adjust, asked on other nodes), while a viewer can neither change it nor run what it
     * still reserves. Each change is in every node's history with who made it.
     */
    @Test
    public void anAclChangedThroughTheLogRulesEveryNode() throws Exception {
        try (TestCluster cluster = new TestCluster("cluster-acl-set", 3).votersAtStart(2)) {
            List<TestNode> nodes = List.of(cluster.start(0, 1, 2), cluster.start(1, 1, 2), cluster.start(2, 1, 2));
            for (TestNode n : nodes) {
                Await.until(n.name + " seeing node3 active", TestCluster.WAIT, () -> n.node.definedNode("node3")
                        .map(d -> d.status() == org.cutover.api.NodeStatus.ACTIVE).orElse(false),
                        () -> n.node.definedNodes());
            }
            TestNode node1 = nodes.get(0);
            TestNode node2 = nodes.get(1);
            TestNode node3 = nodes.get(2);
            node1.node.join("g", new RecordingListener());
            java.util.Map<String, List<String>> defaults = node1.node.acl();

            GroupException viewerSet = assertThrows(GroupException.class, () -> as(login("vera", "viewer"), () -> {
                node2.node.setAcl("adjust", List.of("viewer"));
                return null;
            }));
            assertEquals(viewerSet.getMessage(), ReasonCode.NOT_AUTHORIZED, viewerSet.code());
            GroupException operatorAdd = assertThrows(GroupException.class, () -> as(login("otto", "operator"),
                    () -> node2.node.addNode("node3")));
            assertEquals(operatorAdd.getMessage(), ReasonCode.NOT_AUTHORIZED, operatorAdd.code());
            assertEquals(List.of("node1", "node2"), node1.node.voters());

            as(login("ada", "admin"), () -> {
                node1.node.setAcl("node-add", List.of("admin", "operator"));
                node1.node.setAcl("adjust", List.of("admin", "operator"));
                return null;
            });
            for (TestNode n : nodes) {
                Await.until(n.name + " applying the new ACL", TestCluster.WAIT,
                        () -> n.node.acl().get("adjust").equals(List.of("admin", "operator"))
                                && n.node.acl().get("node-add").equals(List.of("admin", "operator")),
                        () -> n.node.acl());
                assertEquals(n.name + ": the rest stays", defaults.get("node-remove"), n.node.acl().get("node-remove"));
            }

            assertTrue(as(login("otto", "operator"), () -> node2.node.addNode("node3")));
            for (TestNode n : nodes) {
                Await.until(n.name + " counting node3 as a voter", TestCluster.WAIT,
                        () -> n.node.voters().equals(List.of("node1", "node2", "node3")), n.node::voters);
            }
            AdjustResult byOperator = as(login("otto", "operator"),
                    () -> node3.versions.adjust(VersionRequest.of(1, "g").withDowngrade()));
            assertTrue(byOperator.toString(), byOperator.complete());
            AdjustResult byViewer = as(login("vera", "viewer"), () -> node3.versions.adjust(VersionRequest.of(2, "g")));
            assertFalse(byViewer.complete());

            for (TestNode n : nodes) {
                Await.until(n.name + " has the whole story in its history", TestCluster.WAIT,
                        () -> n.versions.history(java.util.Optional.empty()).size() >= 4,
                        () -> n.versions.history(java.util.Optional.empty()));
                List<String> story = n.versions.history(java.util.Optional.empty()).stream()
                        .map(r -> r.requestedBy() + " " + r.outcome().split(" ")[0] + " " + r.toLevel()).toList();
                assertEquals(n.name, List.of("ada@node1 ACL_SET: 0", "ada@node1 ACL_SET: 0",
                        "otto@node2 NODE_ADDED: 0", "otto@node3 APPLIED 1"), story.subList(story.size() - 4,
                        story.size()));
                assertEquals(n.name + ": g at level 1", 1, n.node.group("g").orElseThrow().level());
            }
        }
    }
}
