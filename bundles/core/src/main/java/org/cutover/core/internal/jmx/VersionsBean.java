package org.cutover.core.internal.jmx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;

/**
 * {@link VersionsMBean} over the node's {@link VersionService}. An adjust runs on the JMX connector's thread,
 * inside the caller's JAAS subject, so the cluster's ACL and the history see the JMX user as they see a shell user.
 */
public final class VersionsBean extends StandardMBean implements VersionsMBean {

    static final int HISTORY = 50;
    static final int LATENCY_WINDOW = 200;

    private final VersionService versions;

    public VersionsBean(VersionService versions) throws NotCompliantMBeanException {
        super(VersionsMBean.class);
        this.versions = versions;
    }

    @Override
    public String check(int level, String[] groups, boolean downgrade) {
        CheckResult r = versions.check(request(level, groups, downgrade));
        return r.passed() ? "ok: level " + level + " can run" : causes(r);
    }

    @Override
    public String adjust(int level, String[] groups, boolean downgrade) {
        AdjustResult r = versions.adjust(request(level, groups, downgrade));
        if (!r.check().passed()) {
            throw new IllegalStateException("refused, nothing was sent: " + causes(r.check()));
        }
        if (!r.complete()) {
            throw new IllegalStateException((r.applied() ? "applied, but not confirmed by " : "not applied: ")
                    + r.unconfirmed());
        }
        return "adjusted to level " + level + ": epochs " + r.newEpochs() + ", " + r.confirmations().size()
                + " members confirmed in " + r.elapsed().toMillis() + " ms";
    }

    private static VersionRequest request(int level, String[] groups, boolean downgrade) {
        VersionRequest r = groups == null || groups.length == 0 ? VersionRequest.allGroups(OptionalInt.of(level))
                : VersionRequest.of(level, groups);
        return downgrade ? r.withDowngrade() : r;
    }

    private static String causes(CheckResult r) {
        return r.failures().stream().map(f -> f.code() + ": " + f.message()).collect(Collectors.joining("; "));
    }

    @Override
    public String[] getHistory() {
        List<AdjustRecord> all = versions.history(Optional.empty());
        return all.subList(Math.max(0, all.size() - HISTORY), all.size()).stream()
                .map(r -> r.when() + " " + r.requestedBy() + " " + r.groups() + " " + r.fromLevel() + " -> "
                        + r.toLevel() + " epoch " + r.epoch() + " " + (r.duration() == null ? "-"
                        : r.duration().toNanos() / 1e6 + " ms") + " " + r.outcome())
                .toArray(String[]::new);
    }

    @Override
    public double getAdjustLatencyP50Millis() {
        return percentile(0.50);
    }

    @Override
    public double getAdjustLatencyP99Millis() {
        return percentile(0.99);
    }

    /** over the newest adjusts with a recorded duration; 0 when there is none */
    private double percentile(double q) {
        List<AdjustRecord> all = versions.history(Optional.empty());
        List<Long> nanos = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && nanos.size() < LATENCY_WINDOW; i--) {
            Duration d = all.get(i).duration();
            if (d != null) {
                nanos.add(d.toNanos());
            }
        }
        if (nanos.isEmpty()) {
            return 0;
        }
        nanos.sort(null);
        int rank = (int) Math.ceil(q * nanos.size()) - 1;
        return nanos.get(Math.max(0, Math.min(nanos.size() - 1, rank))) / 1e6;
    }
}
