package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "node-list", description = "Lists the defined nodes with their status, address, infrastructure levels and whether they vote in the cluster log (and which one leads it, as this node knows)")
@Service
public class NodeListCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() {
        ClusterTables.nodes(clusterService.definedNodes(), clusterService.voters(),
                clusterService.logStatus().leader()).print(System.out, !noFormat);
        return null;
    }
}
