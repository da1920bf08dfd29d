package org.cutover.shell.internal;

import java.util.Optional;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.UpgradeStatus;

@Command(scope = "cluster", name = "upgrade-status", description = "Shows the running or last cluster-wide upgrade, node by node, as the cluster log has it (the same on every node)")
@Service
public class UpgradeStatusCommand implements Action {

    @Reference
    UpgradeService upgrades;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() {
        Optional<UpgradeStatus> u = upgrades.status();
        if (u.isEmpty()) {
            System.out.println("no upgrade yet: cluster:upgrade FEATURE/VERSION starts one");
            return null;
        }
        System.out.println(UpgradeReports.heading(u.get()));
        String failure = UpgradeReports.failure(u.get());
        if (failure != null) {
            System.out.println(failure);
        }
        // the table last: ShellTable closes the stream it prints to
        UpgradeReports.table(u.get()).print(System.out, !noFormat);
        return null;
    }
}
