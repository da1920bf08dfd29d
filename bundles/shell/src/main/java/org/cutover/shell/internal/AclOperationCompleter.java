package org.cutover.shell.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.cutover.api.ClusterService;

/** Completes the cluster operations the cluster's ACL rules. */
@Service
public class AclOperationCompleter implements Completer {

    @Reference
    ClusterService clusterService;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(clusterService.acl().keySet()).complete(session, commandLine, candidates);
    }
}
