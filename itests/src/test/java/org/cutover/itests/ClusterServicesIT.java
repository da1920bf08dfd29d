package org.cutover.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;
import org.cutover.api.Member;
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
 * and registers the cluster services; with infra 1.0.0 booted, a member of a
 * group receives its own messages in order.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClusterServicesIT {

    private static final String NODE = "services-it";
    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(15);
    private static final int MESSAGES = 20;

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

    @Test
    public void memberOfGroupItReceivesTwentyMessagesInOrder() {
        ClusterService cluster = Await.service(context, ClusterService.class, SERVICE_TIMEOUT);
        GroupService groups = Await.service(context, GroupService.class, SERVICE_TIMEOUT);
        Await.until("node " + NODE + " ACTIVE and able to run level 1 (infra 1.0.0 booted)", STATE_TIMEOUT,
                () -> cluster.definedNode(NODE), n -> n.isPresent() && n.get().status() == NodeStatus.ACTIVE
                        && n.get().canRun(1));

        Recorder listener = new Recorder();
        Member self;
        try (Group group = groups.join("it", listener)) {
            self = group.self();
            assertEquals("it", group.name());
            assertEquals(NODE, self.node());
            assertEquals("a new group starts at the potential level", 1, group.level());
            GroupInfo info = groups.group("it").orElseThrow(() -> new AssertionError("group it unknown after join"));
            assertTrue("members of it: " + info.members(), info.members().contains(self));
            assertEquals(1, info.level());

            for (int i = 0; i < MESSAGES; i++) {
                group.send(payload(i));
            }
            List<Delivery> delivered = Await.until(MESSAGES + " deliveries to the listener", DELIVERY_TIMEOUT,
                    listener::messages, l -> l.size() >= MESSAGES);
            assertEquals("deliveries: " + delivered.size(), MESSAGES, delivered.size());
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < MESSAGES; i++) {
                Delivery d = delivered.get(i);
                assertArrayEquals("message " + i + " is " + new String(d.payload(), StandardCharsets.UTF_8),
                        payload(i), d.payload());
                assertEquals("it", d.group());
                assertEquals(self, d.sender());
                assertEquals(1, d.level());
                assertTrue("sequence goes back at message " + i, d.sequence() > previous);
                previous = d.sequence();
            }
        }
        Await.until("member " + self + " gone from group it after leaving", STATE_TIMEOUT,
                () -> groups.group("it"), g -> g.isEmpty() || !g.get().members().contains(self));
    }

    private static byte[] payload(int i) {
        return ("it-message-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** records what the group delivers, in order */
    private static final class Recorder implements GroupListener {
        private final List<Delivery> messages = new ArrayList<>();

        @Override
        public synchronized void onMessage(Delivery delivery) {
            messages.add(delivery);
        }

        synchronized List<Delivery> messages() {
            return new ArrayList<>(messages);
        }
    }
}
