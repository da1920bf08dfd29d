package org.cutover.example.internal.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.example.internal.KvStore;

@Command(scope = "kv", name = "put", description = "Writes a key in group kv's order; every member applies it")
@Service
public class PutCommand implements Action {

    @Reference
    KvStore store;

    @Argument(index = 0, name = "key", description = "The key", required = true)
    String key;

    @Argument(index = 1, name = "value", description = "The value", required = true)
    String value;

    @Override
    public Object execute() throws Exception {
        Failures.run("kv:put", () -> store.put(key, value));
        System.out.println("sent " + key);
        return null;
    }
}
