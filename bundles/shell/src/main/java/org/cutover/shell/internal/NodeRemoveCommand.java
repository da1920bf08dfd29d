package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "node-remove", description = "Drops a node that is not active from the defined nodes for good")
@Service
public class NodeRemoveCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Argument(index = 0, name = "node", description = "The node's name", required = true)
    @Completion(NodeNameCompleter.class)
    String node;

    @Override
    public Object execute() {
        clusterService.removeNode(node);
        System.out.println("removed node " + node + " from the defined nodes");
        return null;
    }
}
