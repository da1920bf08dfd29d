package org.cutover.bench.probe;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bench", name = "stream-join", description = "Gives this node a member of group stream-1k (once)"
        + " and zeroes its delivery count")
@Service
public class StreamJoinCommand implements Action {

    @Reference
    StreamProbe probe;

    @Override
    public Object execute() {
        System.out.println(probe.join());
        return null;
    }
}
