package org.cutover.bench.probe;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bench", name = "timeline", description = "Prints this node's hot-swap timestamps (epoch ms): infra"
        + " bundle events, InfraProtocol registrations, capability changes applied to this node's replica")
@Service
public class TimelineCommand implements Action {

    @Reference
    SwapTimeline timeline;

    @Option(name = "--clear", description = "Forgets the printed entries")
    boolean clear;

    @Option(name = "--watch", description = "Then records this node's replica levels every millisecond for SECONDS"
            + " (replica-levels entries)")
    int watchSeconds;

    @Override
    public Object execute() throws InterruptedException {
        timeline.lines(clear).forEach(System.out::println);
        if (watchSeconds > 0) {
            timeline.watch(watchSeconds);
        }
        return null;
    }
}
