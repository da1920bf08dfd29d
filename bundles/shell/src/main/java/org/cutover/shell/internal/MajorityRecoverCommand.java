package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "majority-recover", description = "Makes the voters in this node's view the only voters, after the majority is lost for good (forced)")
@Service
public class MajorityRecoverCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Option(name = "-f", aliases = "--force", description = "Confirms it: entries that only the lost nodes hold are gone for good")
    boolean force;

    @Override
    public Object execute() throws CommandException {
        if (!force) {
            throw new CommandException("this makes the voters in this node's view the only voters of the cluster log"
                    + " (voters now: " + String.join(", ", clusterService.voters()) + ") and drops the other"
                    + " defined nodes; entries that only they hold are lost. Run it only when they will not come"
                    + " back, on one node of the survivors, with --force");
        }
        System.out.println("voters now " + String.join(", ", clusterService.recoverMajority())
                + "; the recovery is in cluster:version-history");
        return null;
    }
}
