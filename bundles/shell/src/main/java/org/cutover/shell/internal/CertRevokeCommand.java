package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "cert-revoke", description = "Revokes a node's certificate on every node, in the cluster's order: for a stolen or leaked node key")
@Service
public class CertRevokeCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Argument(index = 0, name = "node", description = "The node whose current certificate is revoked", required = true)
    @Completion(NodeNameCompleter.class)
    String node;

    @Override
    public Object execute() {
        String fingerprint = clusterService.revokeCertificate(node);
        System.out.println("revoked the certificate of " + node + " (SHA-256 " + fingerprint + ") on every node;"
                + " it is cut off until it has a new one (bin/cutover-certs node)");
        return null;
    }
}
