package org.cutover.core.internal.jmx;

/**
 * {@code org.cutover:type=Versions}: the version check and adjust as operations (admin, by
 * {@code etc/jmx.acl.org.cutover.cfg}), the history and the adjusts' latency (viewer).
 */
public interface VersionsMBean {

    /**
     * @param groups the groups; none for every group
     * @return one line per cause, or "ok"
     */
    String check(int level, String[] groups, boolean downgrade);

    /**
     * Adjusts as {@code cluster:version-adjust} does, as the JMX user who calls it.
     *
     * @return what was applied and confirmed
     * @throws IllegalStateException with the causes when refused or not confirmed by every member
     */
    String adjust(int level, String[] groups, boolean downgrade);

    /** the newest adjusts and other changes of the history, oldest first, one line each */
    String[] getHistory();

    /** p50 of the durations the history records (the newest {@value VersionsBean#LATENCY_WINDOW}), ms */
    double getAdjustLatencyP50Millis();

    double getAdjustLatencyP99Millis();
}
