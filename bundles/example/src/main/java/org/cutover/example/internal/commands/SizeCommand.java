package org.cutover.example.internal.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.cutover.example.internal.KvStore;

@Command(scope = "kv", name = "size", description = "Prints how many keys this member's map holds")
@Service
public class SizeCommand implements Action {

    @Reference
    KvStore store;

    @Override
    public Object execute() throws Exception {
        int[] size = new int[1];
        Failures.run("kv:size", () -> size[0] = store.size());
        System.out.println(size[0]);
        return null;
    }
}
