package org.cutover.bench.probe;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * The node's clock in epoch ms, for samples taken over ssh: "kv:stats; bench:now" reads the counter and the time
 * within a millisecond of each other, while the ssh round around them took 0.2 s to over 1 s under load (a window
 * timed on the caller's side came out at 179/s and the next at 682/s, for a steady 400/s).
 */
@Command(scope = "bench", name = "now", description = "Prints this node's clock in epoch milliseconds")
@Service
public class NowCommand implements Action {

    @Override
    public Object execute() {
        System.out.println(System.currentTimeMillis());
        return null;
    }
}
