package org.cutover.example.internal.commands;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.example.internal.KvStore;

@Command(scope = "kv", name = "put-all", description = "Writes several keys as one atomic batch: every member"
        + " applies all of them at one point of group kv's order (needs infrastructure level 3)")
@Service
public class PutAllCommand implements Action {

    @Reference
    KvStore store;

    @Argument(index = 0, name = "entries", description = "key=value pairs; a key given twice keeps its last value",
            required = true, multiValued = true)
    List<String> entries;

    @Override
    public Object execute() throws Exception {
        SortedMap<String, String> batch = new TreeMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new CommandException("kv:put-all: '" + entry + "' is not key=value");
            }
            batch.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        Failures.run("kv:put-all", () -> store.putAll(batch));
        System.out.println("sent " + batch.size() + " keys as one batch");
        return null;
    }
}
