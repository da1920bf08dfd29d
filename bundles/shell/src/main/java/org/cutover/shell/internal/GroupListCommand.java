package org.cutover.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.api.GroupService;

@Command(scope = "cluster", name = "group-list", description = "Lists the groups with their current and potential level, epoch, hold and members")
@Service
public class GroupListCommand implements Action {

    @Reference
    GroupService groupService;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() {
        ClusterTables.groups(groupService.groups()).print(System.out, !noFormat);
        return null;
    }
}
