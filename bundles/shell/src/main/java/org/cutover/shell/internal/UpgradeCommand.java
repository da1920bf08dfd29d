package org.cutover.shell.internal;

import java.util.HashMap;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.NodeProgress;

@Command(scope = "cluster", name = "upgrade", description = "Installs an infrastructure feature on every node, one after the other, driven by the cluster log; then the groups that are not held move to the new level by themselves")
@Service
public class UpgradeCommand implements Action {

    /** how often the live report looks at the log's progress */
    static final long POLL_MILLIS = 200;

    @Reference
    UpgradeService upgrades;

    @Argument(index = 0, name = "feature", description = "name/version, e.g. cutover-infra/2.0.0, from the nodes' own repositories (system/), or from the KAR that --kar names")
    String feature;

    @Option(name = "-p", aliases = "--parallel", description = "How many nodes install at once (default 1)")
    int parallel = 1;

    @Option(name = "-n", aliases = "--dry-run", description = "Every node only simulates the install with Karaf's resolver and reports what blocks it; nothing changes")
    boolean dryRun;

    @Option(name = "-r", aliases = "--retire", description = "Uninstalls the feature from every node instead (e.g. cutover-infra/1.0.0 once 2.0.0 serves level 1 too); each node refuses, naming the groups, to take away a level a group runs")
    boolean retire;

    @Option(name = "-k", aliases = "--kar", description = "A KAR holding the feature's repository, for a version no node has in system/: a file on this node or a URL (file:, http:, mvn:). Its bytes go to every node through the cluster log, checked by their SHA-256")
    @Completion(FileCompleter.class)
    String kar;

    @Option(name = "-s", aliases = "--signature", description = "The KAR's signature by the cluster CA (bin/cutover-certs sign CA_DIR KAR); default: the KAR's file or URL with .sig added")
    @Completion(FileCompleter.class)
    String signature;

    @Option(name = "-a", aliases = "--abort", description = "Stops the running upgrade where it is (from any node)")
    boolean abort;

    @Option(name = "--no-wait", description = "Returns once the upgrade started; cluster:upgrade-status follows it")
    boolean noWait;

    @Option(name = "-t", aliases = "--timeout", description = "Seconds the live report waits for the end (default 600); the upgrade goes on after")
    int timeoutSeconds = 600;

    @Override
    public Object execute() throws Exception {
        if (abort) {
            if (feature != null) {
                throw new CommandException("--abort stops the running upgrade: name no feature");
            }
            UpgradeStatus u = upgrades.abort();
            System.out.println(UpgradeReports.heading(u));
            u.nodes().forEach(p -> System.out.println(UpgradeReports.line(p)));
            return null;
        }
        if (feature == null) {
            throw new CommandException("name the feature to upgrade to, e.g. cluster:upgrade cutover-infra/2.0.0");
        }
        if (kar != null && retire) {
            throw new CommandException("--retire uninstalls what the nodes have: it takes no --kar");
        }
        UpgradeStatus u = retire ? upgrades.retire(feature, parallel, dryRun)
                : kar != null ? upgrades.start(feature, parallel, dryRun, KarSource.name(kar), KarSource.read(kar),
                        KarSource.read(signature != null ? signature : kar + ".sig"))
                : upgrades.start(feature, parallel, dryRun);
        System.out.println(UpgradeReports.heading(u));
        if (noWait) {
            System.out.println("started; cluster:upgrade-status shows its progress from any node");
            return null;
        }
        Map<String, NodeProgress> shown = new HashMap<>();
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        while (true) {
            UpgradeStatus now = upgrades.status().filter(s -> s.id().equals(u.id())).orElse(u);
            for (NodeProgress p : now.nodes()) {
                if (!p.equals(shown.put(p.node(), p))) {
                    System.out.println(UpgradeReports.line(p));
                }
            }
            if (UpgradeReports.settled(now)) {
                System.out.println(now.state() + ": " + UpgradeReports.heading(now));
                String failure = UpgradeReports.failure(now);
                if (failure != null) {
                    throw new CommandException(failure);
                }
                return null;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new CommandException("the upgrade still runs after " + timeoutSeconds + " s; it goes on:"
                        + " cluster:upgrade-status follows it, cluster:upgrade --abort stops it");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
