package org.cutover.api.version;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One past adjust, as kept in the replicated, persisted history.
 *
 * @param when        when the switch was delivered
 * @param requestedBy who asked: {@code user@node} for a Karaf (JAAS) user, the node's name alone for code in the
 *                    node that runs without a login
 * @param groups      the groups switched
 * @param fromLevel   the lowest level among them before the switch
 * @param toLevel     the level after the switch
 * @param epoch       the highest epoch among them after the switch
 * @param duration    from sending until every member confirmed; null until the asking node reports it
 * @param outcome     APPLIED, CONCURRENT_ADJUST (another adjust won) or INCOMPLETE (some members did not confirm)
 */
public record AdjustRecord(Instant when, String requestedBy, List<String> groups, int fromLevel, int toLevel,
                           long epoch, Duration duration, String outcome) {
    public AdjustRecord {
        groups = List.copyOf(groups);
    }
}
