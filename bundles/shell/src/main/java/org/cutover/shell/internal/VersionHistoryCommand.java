package org.cutover.shell.internal;

import java.util.Optional;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.version.VersionService;

@Command(scope = "cluster", name = "version-history", description = "Lists past version adjusts, oldest first, of every group or of one")
@Service
public class VersionHistoryCommand implements Action {

    @Reference
    VersionService versionService;

    @Argument(index = 0, name = "group", description = "Only the adjusts that switched this group")
    @Completion(GroupNameCompleter.class)
    String group;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() {
        ClusterTables.history(versionService.history(Optional.ofNullable(group))).print(System.out, !noFormat);
        return null;
    }
}
