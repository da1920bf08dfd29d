package org.cutover.shell.internal;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.cutover.api.ClusterService;

@Command(scope = "cluster", name = "version-hold", description = "Holds groups at their level (no automatic adjust moves them; a downgrade stays possible) or releases them, on every node")
@Service
public class VersionHoldCommand implements Action {

    @Reference
    ClusterService clusterService;

    @Argument(index = 0, name = "on|off", description = "on holds, off releases", required = true)
    @Completion(value = StringsCompleter.class, values = {"on", "off"})
    String onOff;

    @Argument(index = 1, name = "groups", description = "The groups; none for every group", multiValued = true)
    @Completion(GroupNameCompleter.class)
    List<String> groups;

    @Override
    public Object execute() throws CommandException {
        boolean held = switch (onOff) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new CommandException("say on or off, not '" + onOff + "'");
        };
        List<String> named = groups == null ? List.of() : groups;
        clusterService.hold(held, named);
        System.out.println((held ? "held " : "released ") + (named.isEmpty() ? "every group" : Formats.list(named))
                + "; cluster:group-list shows it, cluster:version-history records it");
        return null;
    }
}
