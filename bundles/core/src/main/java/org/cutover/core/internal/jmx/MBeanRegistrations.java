package org.cutover.core.internal.jmx;

import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.management.DynamicMBean;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;

import org.cutover.api.GroupInfo;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.ClusterNode;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The node's MBeans in domain {@code org.cutover}, registered as OSGi services with a {@code jmx.objectname}
 * property: Karaf's {@code management} feature (Aries JMX whiteboard) puts them into the MBean server that its
 * RMI connector serves, behind its JMX ACLs. One {@code type=Group} MBean per group, kept in step with the
 * replicated state every second, when each group's message and byte rates are sampled too.
 */
public final class MBeanRegistrations implements AutoCloseable {

    static final String DOMAIN = "org.cutover";
    private static final long REFRESH_MILLIS = 1000;
    private static final System.Logger LOG = System.getLogger(MBeanRegistrations.class.getName());

    private final BundleContext context;
    private final ClusterNode node;
    private final ServiceRegistration<?> nodeBean;
    private final ServiceRegistration<?> versionsBean;
    private final Map<String, ServiceRegistration<?>> groups = new ConcurrentHashMap<>();
    private final Map<String, GroupBean> beans = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cutover-jmx-groups");
        t.setDaemon(true);
        return t;
    });

    public MBeanRegistrations(BundleContext context, ClusterNode node, VersionService versions)
            throws NotCompliantMBeanException {
        this.context = context;
        this.node = node;
        nodeBean = register(new NodeBean(node), DOMAIN + ":type=Node");
        versionsBean = register(new VersionsBean(versions), DOMAIN + ":type=Versions");
        refresher.scheduleWithFixedDelay(this::refreshGroups, 0, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** {@code org.cutover:type=Group,name=NAME}, the name quoted when it holds a character ObjectName reserves */
    public static String groupObjectName(String group) {
        boolean plain = group.chars().noneMatch(c -> ",=:\"*?\\".indexOf(c) >= 0);
        return DOMAIN + ":type=Group,name=" + (plain ? group : ObjectName.quote(group));
    }

    private ServiceRegistration<?> register(DynamicMBean bean, String objectName) {
        Dictionary<String, Object> props = new Hashtable<>(Map.of("jmx.objectname", objectName));
        return context.registerService(DynamicMBean.class, bean, props);
    }

    private void refreshGroups() {
        try {
            Set<String> now = new HashSet<>();
            for (GroupInfo g : node.groups()) {
                now.add(g.name());
                if (!groups.containsKey(g.name())) {
                    GroupBean bean = new GroupBean(node, g.name());
                    beans.put(g.name(), bean);
                    groups.put(g.name(), register(bean, groupObjectName(g.name())));
                }
            }
            long nanos = System.nanoTime();
            beans.values().forEach(b -> b.sample(nanos));
            groups.keySet().removeIf(name -> {
                if (now.contains(name)) {
                    return false;
                }
                unregister(groups.get(name));
                beans.remove(name);
                return true;
            });
        } catch (RuntimeException | NotCompliantMBeanException e) {
            LOG.log(System.Logger.Level.WARNING, "could not bring the group MBeans up to date: " + e);
        }
    }

    private static void unregister(ServiceRegistration<?> r) {
        if (r == null) {
            return;
        }
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        groups.values().forEach(MBeanRegistrations::unregister);
        groups.clear();
        unregister(versionsBean);
        unregister(nodeBean);
    }
}
