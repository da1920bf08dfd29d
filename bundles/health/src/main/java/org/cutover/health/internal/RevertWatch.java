package org.cutover.health.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionOptions;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.cutover.api.ClusterService;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The automatic revert (issue 13). After an adjust up that was not asked
 * with {@code --no-revert}, every node hosting members of the group (where
 * the adjust event is posted) runs the group's tagged checks
 * ({@code cutover-group:NAME}) for a window. The first CRITICAL one asks the
 * cluster to take the group back to its level before the adjust: one ordered
 * downgrade by the same checks as any adjust, refused if the group moved on,
 * and holding the group so no automatic adjust undoes it. Two nodes that see
 * it at once both ask; the group's epoch lets one win.
 */
@Component(configurationPid = RevertWatch.PID, service = EventHandler.class,
        property = EventConstants.EVENT_TOPIC + "=" + VersionService.TOPIC_VERSION_ADJUSTED)
@Designate(ocd = RevertWatch.Config.class)
public final class RevertWatch implements EventHandler {

    static final String PID = "org.cutover.revert";

    @ObjectClassDefinition(name = "Cutover automatic revert",
            description = "Reverts an adjust when a health check of the group turns critical soon after it")
    public @interface Config {
        @AttributeDefinition(description = "Whether this node watches its groups after an adjust and reverts it")
        boolean enabled() default true;

        @AttributeDefinition(description = "How long after an adjust a critical check of the group reverts it (s)")
        int window_seconds() default 30;

        @AttributeDefinition(description = "How often the group's checks run in that window (ms)")
        long poll_millis() default 1000;
    }

    private static final System.Logger LOG = System.getLogger(RevertWatch.class.getName());

    private final VersionService versions;
    private final GroupService groups;
    /** the group's first critical check as "check 'NAME' CRITICAL: message", if one is */
    private final Function<String, Optional<String>> criticalCheck;
    private final String nodeName;
    private final boolean enabled;
    private final Duration window;
    private final long pollMillis;
    private final ScheduledExecutorService timer;
    /** group → the watch of its latest adjust */
    private final Map<String, ScheduledFuture<?>> watches = new ConcurrentHashMap<>();

    @Activate
    public RevertWatch(@Reference VersionService versions, @Reference GroupService groups,
                       @Reference ClusterService cluster, @Reference HealthCheckExecutor executor, Config config) {
        this(versions, groups, group -> critical(executor, group), cluster.localNode(), config.enabled(),
                Duration.ofSeconds(config.window_seconds()), config.poll_millis());
    }

    RevertWatch(VersionService versions, GroupService groups, Function<String, Optional<String>> criticalCheck,
                String nodeName, boolean enabled, Duration window, long pollMillis) {
        this.versions = versions;
        this.groups = groups;
        this.criticalCheck = criticalCheck;
        this.nodeName = nodeName;
        this.enabled = enabled;
        this.window = window;
        this.pollMillis = Math.max(50, pollMillis);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-revert-watch");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void handleEvent(Event event) {
        if (!enabled || !Boolean.TRUE.equals(event.getProperty(VersionService.EVENT_REVERTABLE))) {
            return;
        }
        String group = (String) event.getProperty("group");
        int from = ((Number) event.getProperty("from")).intValue();
        int to = ((Number) event.getProperty("to")).intValue();
        long epoch = ((Number) event.getProperty("epoch")).longValue();
        if (to <= from) {
            return;
        }
        long deadline = System.nanoTime() + window.toNanos();
        ScheduledFuture<?> f = timer.scheduleWithFixedDelay(() -> look(group, from, to, epoch, deadline), 0,
                pollMillis, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> before = watches.put(group, f);
        if (before != null) {
            before.cancel(false);
        }
    }

    private void look(String group, int from, int to, long epoch, long deadline) {
        Optional<GroupInfo> now = groups.group(group);
        if (now.isEmpty() || now.get().epoch() != epoch) {
            stop(group, "group " + group + " moved on from epoch " + epoch);
            return;
        }
        if (System.nanoTime() - deadline > 0) {
            stop(group, "no check of group " + group + " turned critical in the " + window.toSeconds()
                    + " s after its adjust to level " + to);
            return;
        }
        Optional<String> critical;
        try {
            critical = criticalCheck.apply(group);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the checks of group " + group + " did not run: " + e);
            return;
        }
        if (critical.isEmpty()) {
            return;
        }
        stop(group, null);
        String why = critical.get() + " on " + nodeName;
        LOG.log(System.Logger.Level.WARNING, "reverting group " + group + " to level " + from + ": " + why);
        try {
            AdjustResult r = versions.revert(group, epoch, from, why);
            LOG.log(r.applied() ? System.Logger.Level.WARNING : System.Logger.Level.INFO, "the revert of group "
                    + group + " to level " + from + (r.applied() ? " applied" : " not applied: "
                    + r.check().failures()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the revert of group " + group + " failed: " + e);
        }
    }

    private void stop(String group, String why) {
        ScheduledFuture<?> f = watches.remove(group);
        if (f != null) {
            f.cancel(false);
        }
        if (why != null) {
            LOG.log(System.Logger.Level.DEBUG, why);
        }
    }

    /** the group's tagged checks run now (no cached result): the first critical one, described */
    private static Optional<String> critical(HealthCheckExecutor executor, String group) {
        for (HealthCheckExecutionResult r : executor.execute(HealthCheckSelector.tags(GroupCheck.TAG_PREFIX + group),
                new HealthCheckExecutionOptions().setForceInstantExecution(true))) {
            Result result = r.getHealthCheckResult();
            if (result.getStatus() == Result.Status.CRITICAL) {
                String message = "";
                for (ResultLog.Entry e : result) {
                    if (e.getStatus() == Result.Status.CRITICAL) {
                        message = e.getMessage();
                        break;
                    }
                }
                return Optional.of(describe(r.getHealthCheckMetadata().getName(), message));
            }
        }
        return Optional.empty();
    }

    /** one printable line for the history, at most 200 characters */
    static String describe(String check, String message) {
        String line = ("check '" + check + "' CRITICAL" + (message.isEmpty() ? "" : ": " + message))
                .replaceAll("\\p{Cntrl}", " ");
        return line.length() <= 200 ? line : line.substring(0, 197) + "...";
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }
}
