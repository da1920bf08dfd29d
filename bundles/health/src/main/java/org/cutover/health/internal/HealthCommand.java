package org.cutover.health.internal;

import java.util.List;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "cluster", name = "health", description = "Runs this node's health checks (tag cutover by default) and fails if any is critical")
@Service
public class HealthCommand implements Action {

    @Reference
    HealthCheckExecutor executor;

    @Option(name = "-t", aliases = "--tag", description = "Runs the checks with this tag (e.g. cutover-group:kv); repeatable", multiValued = true)
    List<String> tags;

    @Option(name = "--no-format", description = "Prints plain tab-separated rows without headers")
    boolean noFormat;

    @Override
    public Object execute() throws CommandException {
        String[] selected = tags == null || tags.isEmpty() ? new String[] {"cutover"} : tags.toArray(String[]::new);
        List<HealthCheckExecutionResult> results = executor.execute(HealthCheckSelector.tags(selected));
        ShellTable table = new ShellTable().emptyTableText("no health check has the tag(s) " + String.join(", ",
                selected));
        table.column("Check");
        table.column("Status");
        table.column("Message");
        int failing = 0;
        for (HealthCheckExecutionResult r : results) {
            Result result = r.getHealthCheckResult();
            if (!result.isOk() && result.getStatus() != Result.Status.WARN) {
                failing++;
            }
            table.addRow().addContent(r.getHealthCheckMetadata().getName(), result.getStatus(), message(result));
        }
        table.print(System.out, !noFormat);
        if (failing > 0) {
            throw new CommandException(failing + " of " + results.size() + " health checks failed");
        }
        return null;
    }

    /** the entries at the result's own status (the ones that decided it), joined */
    private static String message(Result result) {
        StringBuilder sb = new StringBuilder();
        for (ResultLog.Entry e : result) {
            if (e.getStatus() == result.getStatus()) {
                sb.append(sb.length() == 0 ? "" : "; ").append(e.getMessage());
            }
        }
        return sb.toString();
    }
}
