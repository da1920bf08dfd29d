package org.cutover.health.internal;

import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Every group runs the highest level every defined node can run, or is held below it: WARN for a group below it
 * and not held (an adjust is due), CRITICAL for one above it (a node that cannot run its level, whose members had
 * to leave).
 */
@Component(property = {
        HealthCheck.NAME + "=Cutover groups at their potential level",
        HealthCheck.TAGS + "=cutover",
        HealthCheck.TAGS + "=cutover-groups",
        HealthCheck.MBEAN_NAME + "=cutover-groups"})
public final class GroupLevelsCheck implements HealthCheck {

    private final GroupService groups;

    @Activate
    public GroupLevelsCheck(@Reference GroupService groups) {
        this.groups = groups;
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
                log.warn("group {} runs level {} of {}: cluster:version-adjust --to {} {}", g.name(), g.level(),
                        g.potentialLevel(), g.potentialLevel(), g.name());
            }
        }
        if (below == 0) {
            log.info("{} groups: {} at the highest level every defined node can run, {} held below it",
                    groups.groups().size(), groups.groups().size() - held, held);
        }
        return new Result(log);
    }
}
