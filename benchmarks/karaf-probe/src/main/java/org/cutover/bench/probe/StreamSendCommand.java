package org.cutover.bench.probe;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bench", name = "stream-send", description = "Streams messages to group stream-1k with"
        + " Group.sendAsync in the background; prints when it started (System.nanoTime)")
@Service
public class StreamSendCommand implements Action {

    @Reference
    StreamProbe probe;

    @Option(name = "-c", aliases = "--count", description = "How many messages")
    long count = 10_000;

    @Option(name = "-s", aliases = "--size", description = "Bytes per message")
    int size = 1024;

    @Override
    public Object execute() {
        System.out.println("started " + probe.send(count, size));
        return null;
    }
}
