package org.cutover.shell.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "acl-set", description = "Sets which roles may run a cluster operation, on every node, in the cluster's order")
@Service
public class AclSetCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Argument(index = 0, name = "operation", description = "The cluster operation (see cluster:acl-list)", required = true)
    @Completion(AclOperationCompleter.class)
    String operation;

    @Argument(index = 1, name = "roles", description = "The roles that may run it from now on, replacing the current ones", required = true, multiValued = true)
    List<String> roles;

    @Override
    public Object execute() {
        clusterService.setAcl(operation, roles);
        System.out.println(operation + " needs one of " + Formats.list(clusterService.acl().get(operation))
                + " on every node now; cluster:version-history records it");
        return null;
    }
}
