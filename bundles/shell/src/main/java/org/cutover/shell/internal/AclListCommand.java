package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "acl-list", description = "Lists the cluster's ACL: which roles may run which cluster operation, the same on every node")
@Service
public class AclListCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() {
        ClusterTables.acl(clusterService.acl()).print(System.out, !noFormat);
        return null;
    }
}
