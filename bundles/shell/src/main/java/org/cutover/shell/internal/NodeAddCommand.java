package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "node-add", description = "Makes a running node that follows the cluster log as a learner one of its voters")
@Service
public class NodeAddCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Argument(index = 0, name = "node", description = "The node's name", required = true)
    @Completion(NodeNameCompleter.class)
    String node;

    @Override
    public Object execute() {
        if (clusterService.addNode(node)) {
            System.out.println("node " + node + " votes in the cluster log now (" + clusterService.voters().size()
                    + " voters)");
        } else {
            System.out.println("node " + node + " already votes in the cluster log");
        }
        return null;
    }
}
