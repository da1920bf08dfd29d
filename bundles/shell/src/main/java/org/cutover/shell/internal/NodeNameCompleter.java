package org.cutover.shell.internal;

import java.util.List;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;

/** Completes the names of the defined nodes. */
@Service
public class NodeNameCompleter implements Completer {

    @Reference
    ClusterService clusterService;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        List<String> names = clusterService.definedNodes().stream().map(DefinedNode::name).collect(Collectors.toList());
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
