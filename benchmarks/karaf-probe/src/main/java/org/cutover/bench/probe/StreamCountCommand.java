package org.cutover.bench.probe;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bench", name = "stream-count", description = "Prints what this node's member of stream-1k has"
        + " delivered since its join: count, first and last delivery (System.nanoTime), failed sends")
@Service
public class StreamCountCommand implements Action {

    @Reference
    StreamProbe probe;

    @Override
    public Object execute() {
        System.out.println(probe.counts());
        return null;
    }
}
