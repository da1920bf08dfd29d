package org.cutover.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.karaf.features.FeaturesService;
import org.cutover.api.ClusterService;
import org.cutover.api.Delivery;
import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupService;
import org.cutover.api.InfraFunction;
import org.cutover.api.NodeStatus;
import org.cutover.api.RequestResult;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceReference;

/**
 * The distribution's hot install path on one node: cutover-infra 2.0.0 is
 * installed from the distribution's system/ folder (as feature:install does)
 * beside the booted 1.0.0 while a member stays in its group. The kernel is not
 * restarted, the member never leaves, no message is lost or reordered, and
 * after one adjust the level-2 function works.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class InfraHotInstallIT {

    private static final String NODE = "hot-it";
    private static final String GROUP = "hot";
    private static final Set<String> KERNEL = Set.of("org.cutover.jgroups", "org.cutover.api", "org.cutover.core");
    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(60);

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return CutoverKarafOptions.singleNode(NODE);
    }

    @Test
    public void infra2InstalledBesideInfra1WhileMemberStaysThenAdjustedToLevel2() throws Exception {
        ClusterService cluster = Await.service(context, ClusterService.class, SERVICE_TIMEOUT);
        GroupService groups = Await.service(context, GroupService.class, SERVICE_TIMEOUT);
        VersionService versions = Await.service(context, VersionService.class, SERVICE_TIMEOUT);
        FeaturesService features = Await.service(context, FeaturesService.class, SERVICE_TIMEOUT);
        Await.until("node " + NODE + " ACTIVE with levels [1]", STATE_TIMEOUT, () -> cluster.definedNode(NODE),
                n -> n.isPresent() && n.get().status() == NodeStatus.ACTIVE && n.get().levels().equals(Set.of(1)));
        long groupServiceId = serviceId(GroupService.class);

        List<String> kernelEvents = new ArrayList<>();
        BundleListener kernelWatch = event -> {
            if (KERNEL.contains(event.getBundle().getSymbolicName()) && event.getType() != BundleEvent.STARTED) {
                synchronized (kernelEvents) {
                    kernelEvents.add(event.getBundle().getSymbolicName() + ":" + event.getType());
                }
            }
        };
        context.addBundleListener(kernelWatch);

        Recorder listener = new Recorder();
        int sent = 0;
        try (Group group = groups.join(GROUP, listener)) {
            assertEquals(1, group.level());
            assertFalse(group.supports(InfraFunction.REQUEST_ALL));
            try {
                group.request(bytes("too early"), Duration.ofSeconds(5));
                fail("a level-2 request was accepted at level 1");
            } catch (FunctionUnavailableException expected) {
                assertEquals(InfraFunction.REQUEST_ALL, expected.function());
            }
            for (int i = 0; i < 10; i++) {
                group.send(bytes("m" + sent++));
            }
            // held: the level moves with the adjust below, not automatically once this node runs level 2
            cluster.hold(true, List.of(GROUP));

            long t0 = System.nanoTime();
            features.installFeature("cutover-infra", "2.0.0");
            Await.until("node " + NODE + " announcing levels [1, 2]", INSTALL_TIMEOUT, () -> cluster.definedNode(NODE),
                    n -> n.isPresent() && n.get().levels().equals(Set.of(1, 2)));
            long installMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("InfraHotInstallIT: cutover-infra 2.0.0 installed and announced in " + installMillis + " ms");

            assertTrue(features.isInstalled(features.getFeature("cutover-infra", "1.0.0")));
            assertTrue(features.isInstalled(features.getFeature("cutover-infra", "2.0.0")));
            assertEquals("the GroupService was re-registered: the kernel restarted", groupServiceId,
                    serviceId(GroupService.class));
            assertTrue("member " + group.self() + " left group " + GROUP + " during the install",
                    groups.group(GROUP).orElseThrow().members().contains(group.self()));
            assertEquals("group level changed without an adjust", 1, group.level());

            for (int i = 0; i < 10; i++) {
                group.send(bytes("m" + sent++));
            }
            AdjustResult adjust = versions.adjust(VersionRequest.of(2, GROUP));
            assertTrue("adjust to 2 not complete: " + adjust, adjust.complete());
            Await.until("group " + GROUP + " at level 2", STATE_TIMEOUT, group::level, level -> level == 2);
            assertTrue(group.supports(InfraFunction.REQUEST_ALL));
            for (int i = 0; i < 10; i++) {
                group.send(bytes("m" + sent++));
            }

            RequestResult reply = group.request(bytes("ping"), Duration.ofSeconds(10))
                    .toCompletableFuture().get(15, TimeUnit.SECONDS);
            assertTrue("request timed out at " + reply.timedOut(), reply.complete());
            assertArrayEquals(bytes("pong:ping"), reply.replies().get(group.self()));

            int expected = sent;
            List<Delivery> delivered = Await.until(expected + " messages delivered", STATE_TIMEOUT,
                    listener::messages, l -> l.size() >= expected);
            assertEquals(expected, delivered.size());
            for (int i = 0; i < expected; i++) {
                assertEquals("message " + i, "m" + i, new String(delivered.get(i).payload(), StandardCharsets.UTF_8));
            }
            assertEquals("first message's level", 1, delivered.get(0).level());
            assertEquals("last message's level", 2, delivered.get(expected - 1).level());
        } finally {
            context.removeBundleListener(kernelWatch);
        }
        synchronized (kernelEvents) {
            assertEquals("kernel bundles were stopped, refreshed or updated", List.of(), kernelEvents);
        }
    }

    private long serviceId(Class<?> type) {
        ServiceReference<?> ref = context.getServiceReference(type);
        if (ref == null) {
            throw new AssertionError("no " + type.getName() + " registered");
        }
        return (Long) ref.getProperty("service.id");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** records deliveries in order; answers requests with "pong:" + the request */
    private static final class Recorder implements GroupListener {
        private final List<Delivery> messages = new ArrayList<>();

        @Override
        public synchronized void onMessage(Delivery delivery) {
            messages.add(delivery);
        }

        @Override
        public byte[] onRequest(Delivery request) {
            return bytes("pong:" + new String(request.payload(), StandardCharsets.UTF_8));
        }

        synchronized List<Delivery> messages() {
            return new ArrayList<>(messages);
        }
    }
}
