package org.cutover.api.version;

import java.util.List;
import java.util.Optional;

/** Negotiates the infrastructure level of groups. */
public interface VersionService {

    /** OSGi event topic posted on every member's node when a group's level is switched */
    String TOPIC_VERSION_ADJUSTED = "org/cutover/group/VERSION_ADJUSTED";

    /** Runs every check for the request; sends nothing. */
    CheckResult check(VersionRequest request);

    /**
     * Runs the checks and, when they pass, sends one ordered ADJUST_VERSION
     * membership change for all the groups; returns once every member has
     * confirmed or the confirmation time-out has passed.
     */
    AdjustResult adjust(VersionRequest request);

    /** past adjusts, oldest first; of one group when given */
    List<AdjustRecord> history(Optional<String> group);
}
