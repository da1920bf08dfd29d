package org.cutover.bench.probe;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.spi.InfraProtocol;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * Node-side timestamps of a hot swap, so that benchmarks/karaf-run measures it without poll granularity: the
 * infra bundles' lifecycle (installed, resolved, started), the registration of each {@code InfraProtocol} level,
 * and every {@code CAPABILITY_CHANGED} event core posts when a node's announced capability is applied to this
 * node's replica. All nodes of the local cluster share one clock, so the last node's event is the moment every
 * replica shows the new capability.
 *
 * <p>The event is handed over by EventAdmin's queue: on the node that installs the bundle it waited behind the
 * install's own framework events (85 ms once, against 7 ms on the other nodes, load average 15). So for the figure
 * a watcher ({@link #watch}) reads this node's replica through {@code ClusterService.definedNodes()} every
 * millisecond for a bounded time and records when a node's levels change ({@code replica-levels}).
 */
@Component(service = {SwapTimeline.class, EventHandler.class}, immediate = true,
        property = EventConstants.EVENT_TOPIC + "=" + ClusterService.TOPIC_CAPABILITY_CHANGED)
public class SwapTimeline implements EventHandler {

    /** one timestamped fact; micros since the epoch */
    record Entry(long epochMicros, String kind, String detail) {
        String line() {
            return String.format(Locale.ROOT, "%d.%03d %s %s", epochMicros / 1000, epochMicros % 1000, kind, detail);
        }
    }

    private static final int MAX = 10_000;
    private final List<Entry> entries = new ArrayList<>();
    private final BundleContext context;
    private final ClusterService cluster;
    private volatile Thread watcher;
    private final BundleListener bundles = this::bundleChanged;
    private final ServiceListener services = this::serviceChanged;

    @Activate
    public SwapTimeline(BundleContext context,
                        @Reference(policyOption = ReferencePolicyOption.GREEDY) ClusterService cluster)
            throws InvalidSyntaxException {
        this.context = context;
        this.cluster = cluster;
        context.addBundleListener(bundles);
        context.addServiceListener(services, "(objectClass=" + InfraProtocol.class.getName() + ")");
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        context.removeBundleListener(bundles);
        context.removeServiceListener(services);
        Thread w = watcher;
        if (w != null) {
            w.interrupt();
            w.join(1000);
        }
    }

    /**
     * Reads the replica's node levels every millisecond for {@code seconds} (bounded: the reads take the node's
     * lock, so they are not left running) and records each change; a watch already running is replaced.
     */
    synchronized void watch(int seconds) throws InterruptedException {
        Thread old = watcher;
        if (old != null) {
            old.interrupt();
            old.join(1000);
        }
        Map<String, SortedSet<Integer>> seen = levelsNow();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread w = new Thread(() -> {
            Map<String, SortedSet<Integer>> last = seen;
            while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
                Map<String, SortedSet<Integer>> now = levelsNow();
                long t = nowMicros();
                for (Map.Entry<String, SortedSet<Integer>> e : now.entrySet()) {
                    if (!e.getValue().equals(last.get(e.getKey()))) {
                        add(t, "replica-levels", e.getKey() + " " + e.getValue().toString().replace(" ", ""));
                    }
                }
                last = now;
                try {
                    Thread.sleep(1);
                } catch (InterruptedException ex) {
                    return;
                }
            }
        }, "cutover-bench-capability-watch");
        w.setDaemon(true);
        watcher = w;
        w.start();
    }

    private Map<String, SortedSet<Integer>> levelsNow() {
        Map<String, SortedSet<Integer>> m = new HashMap<>();
        for (DefinedNode n : cluster.definedNodes()) {
            m.put(n.name(), n.levels());
        }
        return m;
    }

    private static long nowMicros() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    private void add(long micros, String kind, String detail) {
        synchronized (entries) {
            if (entries.size() < MAX) {
                entries.add(new Entry(micros, kind, detail));
            }
        }
    }

    private void bundleChanged(BundleEvent e) {
        long t = nowMicros();
        Bundle b = e.getBundle();
        if (b.getSymbolicName() == null || !b.getSymbolicName().startsWith("org.cutover.infra")) {
            return;
        }
        String kind = switch (e.getType()) {
            case BundleEvent.INSTALLED -> "bundle-installed";
            case BundleEvent.RESOLVED -> "bundle-resolved";
            case BundleEvent.STARTING -> "bundle-starting";
            case BundleEvent.STARTED -> "bundle-started";
            case BundleEvent.STOPPED -> "bundle-stopped";
            case BundleEvent.UPDATED -> "bundle-updated";
            case BundleEvent.UNRESOLVED -> "bundle-unresolved";
            case BundleEvent.UNINSTALLED -> "bundle-uninstalled";
            default -> null;
        };
        if (kind != null) {
            add(t, kind, b.getSymbolicName() + "/" + b.getVersion());
        }
    }

    private void serviceChanged(ServiceEvent e) {
        long t = nowMicros();
        String kind = switch (e.getType()) {
            case ServiceEvent.REGISTERED -> "level-registered";
            case ServiceEvent.UNREGISTERING -> "level-unregistering";
            default -> null;
        };
        if (kind != null) {
            add(t, kind, "level " + e.getServiceReference().getProperty(InfraProtocol.LEVEL_PROPERTY) + " of "
                    + e.getServiceReference().getBundle().getSymbolicName() + "/"
                    + e.getServiceReference().getBundle().getVersion());
        }
    }

    /**
     * Core posts the event (EventAdmin.postEvent) while it applies the ordered CapabilityChanged; the handler runs
     * on EventAdmin's thread after that, so this time is the replica's time plus EventAdmin's hand-over.
     */
    @Override
    public void handleEvent(Event event) {
        long t = nowMicros();
        Object levels = event.getProperty("levels");
        String l = levels instanceof int[] a ? Arrays.toString(a) : String.valueOf(levels);
        add(t, "capability-applied", event.getProperty("node") + " " + l.replace(" ", ""));
    }

    List<String> lines(boolean clear) {
        synchronized (entries) {
            List<String> out = entries.stream().sorted(Comparator.comparingLong(Entry::epochMicros))
                    .map(Entry::line).toList();
            if (clear) {
                entries.clear();
            }
            return out;
        }
    }
}
