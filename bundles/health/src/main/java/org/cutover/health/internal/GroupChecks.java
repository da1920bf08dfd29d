package org.cutover.health.internal;

import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.felix.hc.api.HealthCheck;
import org.cutover.api.ClusterService;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** Registers a {@link GroupCheck} for every group, and drops it when the group is gone; checked every second. */
@Component(immediate = true)
public final class GroupChecks {

    private static final System.Logger LOG = System.getLogger(GroupChecks.class.getName());

    private final BundleContext context;
    private final GroupService groups;
    private final ClusterService cluster;
    private final Map<String, ServiceRegistration<HealthCheck>> registered = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cutover-group-checks");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public GroupChecks(BundleContext context, @Reference GroupService groups, @Reference ClusterService cluster) {
        this.context = context;
        this.groups = groups;
        this.cluster = cluster;
        timer.scheduleWithFixedDelay(this::refresh, 0, 1, TimeUnit.SECONDS);
    }

    private void refresh() {
        try {
            Set<String> now = new HashSet<>();
            for (GroupInfo g : groups.groups()) {
                now.add(g.name());
                registered.computeIfAbsent(g.name(), name -> {
                    Dictionary<String, Object> props = new Hashtable<>();
                    props.put(HealthCheck.NAME, "Cutover group " + name);
                    props.put(HealthCheck.TAGS, new String[] {"cutover", GroupCheck.TAG_PREFIX + name});
                    return context.registerService(HealthCheck.class, new GroupCheck(name, groups, cluster), props);
                });
            }
            registered.keySet().removeIf(name -> {
                if (now.contains(name)) {
                    return false;
                }
                unregister(registered.get(name));
                return true;
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not bring the group health checks up to date: " + e);
        }
    }

    private static void unregister(ServiceRegistration<?> r) {
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registered.values().forEach(GroupChecks::unregister);
        registered.clear();
    }
}
