package org.cutover.health.internal;

import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import java.util.stream.Collectors;

import org.cutover.api.GroupException;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Every group runs the highest level every defined node can run, or is held below it: WARN for a group below it
 * and not held (the node adjusts such groups by itself; the warning says what the automatic adjust waits for, by
 * the same checks), CRITICAL for one above it (a node that cannot run its level, whose members had to leave).
 */
@Component(property = {
        HealthCheck.NAME + "=Cutover groups at their potential level",
        HealthCheck.TAGS + "=cutover",
        HealthCheck.TAGS + "=cutover-groups",
        HealthCheck.MBEAN_NAME + "=cutover-groups"})
public final class GroupLevelsCheck implements HealthCheck {

    private final GroupService groups;
    private final VersionService versions;

    @Activate
    public GroupLevelsCheck(@Reference GroupService groups, @Reference VersionService versions) {
        this.groups = groups;
        this.versions = versions;
    }

    @Override
    public Result execute() {
        FormattingResultLog log = new FormattingResultLog();
        int below = 0;
        int held = 0;
        for (GroupInfo g : groups.groups()) {
            if (g.potentialLevel() == 0 || g.level() > g.potentialLevel()) {
                log.critical("group {} runs level {}, which not every defined node can run (potential {})",
                        g.name(), g.level(), g.potentialLevel());
            } else if (g.level() < g.potentialLevel() && g.held()) {
                held++;
                log.info("group {} is held at level {} of {} (cluster:version-hold off {} releases it)", g.name(),
                        g.level(), g.potentialLevel(), g.name());
            } else if (g.level() < g.potentialLevel()) {
                below++;
                log.warn("group {} runs level {} of {}, not held: the automatic adjust {}", g.name(), g.level(),
                        g.potentialLevel(), waitsFor(g));
            }
        }
        if (below == 0) {
            log.info("{} groups: {} at the highest level every defined node can run, {} held below it",
                    groups.groups().size(), groups.groups().size() - held, held);
        }
        return new Result(log);
    }

    /** what stops the automatic adjust of the group, as the checks before an adjust report it */
    private String waitsFor(GroupInfo g) {
        CheckResult check;
        try {
            check = versions.check(VersionRequest.of(g.potentialLevel(), g.name()));
        } catch (GroupException e) {
            return "waits: " + e.getMessage();
        }
        if (check.passed()) {
            return "is due (the cluster log's leader asks it)";
        }
        return "waits: " + check.failures().stream().map(f -> f.code() + ": " + f.message())
                .collect(Collectors.joining("; "));
    }
}
