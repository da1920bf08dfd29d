package org.cutover.api.version;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Negotiates the infrastructure level of groups. */
public interface VersionService {

    /** OSGi event topic posted on every member's node when a group's level is switched */
    String TOPIC_VERSION_ADJUSTED = "org/cutover/group/VERSION_ADJUSTED";

    /**
     * Boolean property of a {@link #TOPIC_VERSION_ADJUSTED} event: the member nodes watch the group's health checks
     * after this adjust and {@link #revert} it if one turns critical (false with {@link AdjustOption#NO_REVERT},
     * and for a downgrade).
     */
    String EVENT_REVERTABLE = "revertable";

    /** Runs every check for the request; sends nothing. */
    CheckResult check(VersionRequest request);

    /**
     * Runs the checks and, when they pass, sends one ordered ADJUST_VERSION
     * membership change for all the groups; returns once every member has
     * confirmed or the confirmation time-out has passed.
     */
    AdjustResult adjust(VersionRequest request);

    /** As {@link #adjust(VersionRequest)}, with options. */
    default AdjustResult adjust(VersionRequest request, Set<AdjustOption> options) {
        if (options.isEmpty()) {
            return adjust(request);
        }
        throw new UnsupportedOperationException("this version service takes no adjust options");
    }

    /**
     * The system's downgrade of one group back to {@code toLevel}, the level it had before the adjust that took it
     * to {@code epoch}, because a health check of the group turned critical ({@code why} names it). The same
     * checks and the same ordered message as any adjust; refused if the group has moved since; the group is held
     * afterwards, and the history names {@code revert@NODE} and why.
     */
    default AdjustResult revert(String group, long epoch, int toLevel, String why) {
        throw new UnsupportedOperationException("this version service does not revert");
    }

    /** past adjusts, oldest first; of one group when given */
    List<AdjustRecord> history(Optional<String> group);
}
