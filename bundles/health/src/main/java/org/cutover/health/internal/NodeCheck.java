package org.cutover.health.internal;

import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.cutover.api.ClusterService;
import org.cutover.api.LogStatus;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The node is in the primary component (it sees a leader of the cluster log, so its side holds a majority) and
 * has applied what is committed: CRITICAL once it stopped following the log, or without a leader, WARN while more than {@value #LAG_WARN} committed
 * entries wait to be applied.
 */
@Component(property = {
        HealthCheck.NAME + "=Cutover node",
        HealthCheck.TAGS + "=cutover",
        HealthCheck.TAGS + "=cutover-node",
        HealthCheck.MBEAN_NAME + "=cutover-node"})
public final class NodeCheck implements HealthCheck {

    static final long LAG_WARN = 1000;

    private final ClusterService cluster;

    @Activate
    public NodeCheck(@Reference ClusterService cluster) {
        this.cluster = cluster;
    }

    @Override
    public Result execute() {
        FormattingResultLog log = new FormattingResultLog();
        LogStatus s = cluster.logStatus();
        java.util.Optional<String> stopped = cluster.stoppedBecause();
        if (stopped.isPresent()) {
            log.critical("node {} stopped following the cluster log ({}): restart it, it replays its log",
                    cluster.localNode(), stopped.get());
        } else if (!s.inPrimaryComponent()) {
            log.critical("node {} sees no leader of the cluster log: its side holds no majority of the voters {}"
                    + " (cluster:node-list shows who is missing)", cluster.localNode(), cluster.voters());
        } else if (s.applyLag() > LAG_WARN) {
            log.warn("node {} has {} committed entries still to apply (applied {} of {})", cluster.localNode(),
                    s.applyLag(), s.appliedIndex(), s.commitIndex());
        } else {
            log.info("node {} is in the primary component (leader {}), applied {} of {}", cluster.localNode(),
                    s.leader(), s.appliedIndex(), s.commitIndex());
        }
        return new Result(log);
    }
}
