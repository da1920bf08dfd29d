package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "cert-revoked", description = "Lists the node certificates the cluster revoked, the same on every node")
@Service
public class CertRevokedCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() {
        ClusterTables.revoked(clusterService.revokedCertificates()).print(System.out, !noFormat);
        return null;
    }
}
