package org.cutover.example.internal.commands;

import java.util.Optional;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.example.internal.KvStore;

@Command(scope = "kv", name = "get", description = "Prints this member's value of a key; fails when it has none")
@Service
public class GetCommand implements Action {

    @Reference
    KvStore store;

    @Argument(index = 0, name = "key", description = "The key", required = true)
    String key;

    @Override
    public Object execute() throws Exception {
        @SuppressWarnings("unchecked")
        Optional<String>[] value = new Optional[1];
        Failures.run("kv:get", () -> value[0] = store.get(key));
        if (value[0].isEmpty()) {
            throw new CommandException("kv:get: no key '" + key + "' in group " + KvStore.GROUP + " on this node");
        }
        System.out.println(value[0].get());
        return null;
    }
}
