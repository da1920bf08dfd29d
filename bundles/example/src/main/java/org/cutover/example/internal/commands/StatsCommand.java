package org.cutover.example.internal.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.example.internal.KvStore;

@Command(scope = "kv", name = "stats", description = "Prints this member's counters: sent, applied, last sequence,"
        + " lost, duplicated, reordered, load progress, and the group's level and epoch")
@Service
public class StatsCommand implements Action {

    @Reference
    KvStore store;

    @Option(name = "-s", aliases = "--senders", description = "Adds per member this store has been its highest"
            + " acknowledged counter, and per sender the highest counter delivered here")
    boolean senders;

    @Override
    public Object execute() {
        KvReports.stats(store.stats(), senders).forEach(System.out::println);
        return null;
    }
}
