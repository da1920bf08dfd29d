package org.cutover.shell.internal;

import java.util.List;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;

/** Completes the names of the cluster's groups. */
@Service
public class GroupNameCompleter implements Completer {

    @Reference
    GroupService groupService;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        List<String> names = groupService.groups().stream().map(GroupInfo::name).collect(Collectors.toList());
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
