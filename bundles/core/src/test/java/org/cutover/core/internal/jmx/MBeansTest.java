package org.cutover.core.internal.jmx;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;

import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.RecordingListener;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.junit.Test;

/**
 * The MBeans of domain org.cutover as a JMX client sees them, through an MBean server: the node's attributes, a
 * group's, and check and adjust as operations that change every node. (Karaf's RMI connector and its ACL:
 * SecurityDefaultsProcessIT.)
 */
public class MBeansTest {

    private static final String[] SIGNATURE = {int.class.getName(), String[].class.getName(),
            boolean.class.getName()};

    @Test
    public void aClientReadsTheNodeAndItsGroupsAndAdjustsThroughTheVersionsMBean() throws Exception {
        try (TestCluster cluster = new TestCluster("mbeans", 3)) {
            List<TestNode> nodes = cluster.startAll(3, 1, 2);
            for (TestNode n : nodes) {
                n.node.join("g", new RecordingListener());
            }
            TestNode node1 = nodes.get(0);
            MBeanServer server = MBeanServerFactory.newMBeanServer();
            ObjectName nodeName = new ObjectName("org.cutover:type=Node");
            ObjectName versions = new ObjectName("org.cutover:type=Versions");
            ObjectName group = new ObjectName(MBeanRegistrations.groupObjectName("g"));
            server.registerMBean(new NodeBean(node1.node), nodeName);
            server.registerMBean(new VersionsBean(node1.versions), versions);
            server.registerMBean(new GroupBean(node1.node, "g"), group);

            assertEquals("node1", server.getAttribute(nodeName, "Name"));
            assertEquals("ACTIVE", server.getAttribute(nodeName, "Status"));
            assertEquals(true, server.getAttribute(nodeName, "InPrimaryComponent"));
            assertArrayEquals(new String[] {"node1", "node2", "node3"}, (String[]) server.getAttribute(nodeName,
                    "View"));
            assertTrue(List.of("node1", "node2", "node3").contains((String) server.getAttribute(nodeName, "Leader")));
            assertArrayEquals(new int[] {1, 2}, (int[]) server.getAttribute(nodeName, "Levels"));
            assertEquals(3, ((String[]) server.getAttribute(nodeName, "DefinedNodes")).length);
            assertTrue((Long) server.getAttribute(nodeName, "CommitIndex") > 0);
            assertEquals(2, server.getAttribute(group, "Level"));
            assertEquals(2, server.getAttribute(group, "PotentialLevel"));
            assertEquals(3, ((String[]) server.getAttribute(group, "Members")).length);
            GroupBean traffic = new GroupBean(node1.node, "g");
            traffic.sample(System.nanoTime());
            long before = (Long) server.getAttribute(group, "Messages");
            org.cutover.api.Group sender = nodes.get(2).node.join("g", new RecordingListener());
            for (int i = 0; i < 20; i++) {
                sender.send(new byte[100]);
            }
            Await.until("node1 applied the 20 messages", TestCluster.WAIT,
                    () -> (Long) attribute(server, group, "Messages") >= before + 20,
                    () -> attribute(server, group, "Messages"));
            assertEquals(before + 20, (long) (Long) server.getAttribute(group, "Messages"));
            assertTrue((Long) server.getAttribute(group, "Bytes") >= 20 * 100);
            Thread.sleep(50);
            traffic.sample(System.nanoTime());
            assertTrue("a rate over the interval: " + traffic.getMessagesPerSecond(),
                    traffic.getMessagesPerSecond() > 0);

            String checked = (String) server.invoke(versions, "check", new Object[] {3, new String[] {"g"}, false},
                    SIGNATURE);
            assertTrue(checked, checked.contains("NODE_INCAPABLE"));
            RuntimeMBeanException refused = assertThrows(RuntimeMBeanException.class, () -> server.invoke(versions,
                    "adjust", new Object[] {1, new String[] {"g"}, false}, SIGNATURE));
            assertTrue(refused.getCause().getMessage(), refused.getCause().getMessage().contains("DOWNGRADE_REFUSED"));

            String adjusted = (String) server.invoke(versions, "adjust", new Object[] {1, new String[] {"g"}, true},
                    SIGNATURE);
            assertTrue(adjusted, adjusted.startsWith("adjusted to level 1"));
            for (TestNode n : nodes) {
                assertEquals(n.name, 1, n.node.group("g").orElseThrow().level());
            }
            assertEquals(1, server.getAttribute(group, "Level"));
            Await.until("the adjust's duration in the history", TestCluster.WAIT,
                    () -> (Double) attribute(server, versions, "AdjustLatencyP50Millis") > 0,
                    () -> List.of((String[]) attribute(server, versions, "History")));
            String[] history = (String[]) server.getAttribute(versions, "History");
            assertTrue(history[history.length - 1], history[history.length - 1].contains("[g] 2 -> 1"));

            assertArrayEquals(new String[0], (String[]) server.getAttribute(nodeName, "RevokedCertificates"));
            String fingerprint = nodes.get(1).node.revokeCertificate("node3");
            Await.until("node1 applied the revocation", TestCluster.WAIT,
                    () -> ((String[]) attribute(server, nodeName, "RevokedCertificates")).length == 1,
                    () -> List.of((String[]) attribute(server, nodeName, "RevokedCertificates")));
            assertArrayEquals(new String[] {"node3 " + fingerprint},
                    (String[]) server.getAttribute(nodeName, "RevokedCertificates"));
        }
    }

    private static Object attribute(MBeanServer server, ObjectName name, String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (javax.management.JMException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    public void aGroupNameWithCharactersObjectNameReservesIsQuoted() throws Exception {
        assertEquals("org.cutover:type=Group,name=kv", MBeanRegistrations.groupObjectName("kv"));
        ObjectName odd = new ObjectName(MBeanRegistrations.groupObjectName("a,b=c:d"));
        assertEquals("a,b=c:d", ObjectName.unquote(odd.getKeyProperty("name")));
    }
}
