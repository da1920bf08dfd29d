package org.cutover.shell.internal;

import java.util.EnumSet;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;

@Command(scope = "cluster", name = "version-adjust", description = "Checks, then switches the groups to the level with one ordered message; fails when refused or when a member does not confirm")
@Service
public class VersionAdjustCommand implements Action {

    @Reference
    VersionService versionService;

    @Argument(index = 0, name = "groups", description = "The groups to switch", multiValued = true)
    @Completion(GroupNameCompleter.class)
    List<String> groups;

    @Option(name = "-a", aliases = "--all", description = "Switches every group of the cluster")
    boolean all;

    @Option(name = "-t", aliases = "--to", description = "The level to move to (1 or more); the groups' potential level when left out")
    @Completion(LevelCompleter.class)
    String to;

    @Option(name = "-d", aliases = "--downgrade", description = "Asks for a move to a lower level")
    boolean downgrade;

    @Option(name = "-n", aliases = "--no-revert", description = "No automatic revert of this adjust, whatever the groups' health checks say in the window after it")
    boolean noRevert;

    @Override
    public Object execute() throws CommandException {
        VersionRequest request = VersionArguments.request(groups, all, to, downgrade);
        AdjustResult result = versionService.adjust(request, noRevert ? EnumSet.of(AdjustOption.NO_REVERT)
                : EnumSet.noneOf(AdjustOption.class));
        VersionReports.adjust(request, result).forEach(System.out::println);
        String failure = VersionReports.adjustFailure(request, result);
        if (failure != null) {
            throw new CommandException(failure);
        }
        return null;
    }
}
