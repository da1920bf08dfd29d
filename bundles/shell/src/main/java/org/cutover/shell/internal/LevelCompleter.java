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

/** Completes the infrastructure levels that at least one defined node can run. */
@Service
public class LevelCompleter implements Completer {

    @Reference
    ClusterService clusterService;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        List<String> levels = clusterService.definedNodes().stream()
                .flatMap(node -> node.levels().stream())
                .distinct()
                .sorted()
                .map(String::valueOf)
                .collect(Collectors.toList());
        return new StringsCompleter(levels).complete(session, commandLine, candidates);
    }
}
