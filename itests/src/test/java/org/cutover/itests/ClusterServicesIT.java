package org.cutover.itests;

import static org.junit.Assert.assertEquals;

import java.time.Duration;
import java.util.Optional;

import javax.inject.Inject;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupService;
import org.cutover.api.NodeStatus;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The distribution boots into a node: core reads etc/org.cutover.node.cfg (fed
 * by the system properties CutoverKarafOptions sets), joins its JGroups cluster
 * and registers the cluster services.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClusterServicesIT {

    private static final String NODE = "services-it";
    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATE_TIMEOUT = Duration.ofSeconds(15);

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return CutoverKarafOptions.singleNode(NODE);
    }

    @Test
    public void nodeRegistersClusterAndGroupServices() {
        ClusterService cluster = Await.service(context, ClusterService.class, SERVICE_TIMEOUT);
        Await.service(context, GroupService.class, SERVICE_TIMEOUT);
        assertEquals("node.name from etc/org.cutover.node.cfg", NODE, cluster.localNode());
    }

    @Test
    public void nodeDefinesItselfActive() {
        ClusterService cluster = Await.service(context, ClusterService.class, SERVICE_TIMEOUT);
        Optional<DefinedNode> self = Await.until("node " + NODE + " ACTIVE among the defined nodes", STATE_TIMEOUT,
                () -> cluster.definedNode(NODE), n -> n.isPresent() && n.get().status() == NodeStatus.ACTIVE);
        assertEquals(NODE, self.get().name());
        assertEquals("defined nodes: " + cluster.definedNodes(), 1, cluster.definedNodes().size());
    }
}
