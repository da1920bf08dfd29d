package org.cutover.example.internal.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.example.internal.KvStore;
import org.cutover.example.internal.LoadProgress;

@Command(scope = "kv", name = "load", description = "Writes keys load-<node>-1 … load-<node>-N in the background"
        + " and returns; follow it with kv:stats, stop it with --stop")
@Service
public class LoadCommand implements Action {

    @Reference
    KvStore store;

    @Option(name = "-c", aliases = "--count", description = "How many keys to write (1 or more)")
    String count;

    @Option(name = "-r", aliases = "--rate", description = "At most this many writes a second; no limit when left out")
    String rate;

    @Option(name = "-s", aliases = "--stop", description = "Stops the running load")
    boolean stop;

    @Override
    public Object execute() throws Exception {
        if (stop) {
            if (count != null || rate != null) {
                throw new CommandException("kv:load: --stop takes no --count or --rate");
            }
            LoadProgress p = store.stopLoad();
            System.out.println("load: " + KvReports.load(p));
            return null;
        }
        if (count == null) {
            throw new CommandException("kv:load: --count N is required (or --stop)");
        }
        long n = parseCount(count);
        double r = rate == null ? 0 : parseRate(rate);
        LoadProgress[] started = new LoadProgress[1];
        Failures.run("kv:load", () -> started[0] = store.load(n, r));
        System.out.println("load started: " + n + " key" + (n == 1 ? "" : "s") + ", limit " + KvReports.rate(r)
                + "; follow it with kv:stats");
        return null;
    }

    static long parseCount(String text) throws CommandException {
        try {
            long n = Long.parseLong(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new CommandException("kv:load: --count must be a whole number of 1 or more, not '" + text + "'");
    }

    static double parseRate(String text) throws CommandException {
        try {
            double r = Double.parseDouble(text.trim());
            if (r > 0 && !Double.isInfinite(r)) {
                return r;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new CommandException("kv:load: --rate must be a number of writes a second above 0, not '" + text + "'");
    }
}
