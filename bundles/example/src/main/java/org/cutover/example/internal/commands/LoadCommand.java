package org.cutover.example.internal.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.example.internal.KvStore;
import org.cutover.example.internal.LoadProgress;

@Command(scope = "kv", name = "load", description = "Makes N writes in the background and returns: over keys"
        + " k1 … k1000 that every node's load shares (--keys for another key space), or to keys load-<node>-1 …"
        + " load-<node>-N (--unique); follow it with kv:stats, stop it with --stop")
@Service
public class LoadCommand implements Action {

    @Reference
    KvStore store;

    @Option(name = "-c", aliases = "--count", description = "How many keys to write (1 or more)")
    String count;

    @Option(name = "-r", aliases = "--rate", description = "At most this many writes a second; no limit when left out")
    String rate;

    @Option(name = "-k", aliases = "--keys", description = "How many shared keys k1 … kK the writes cycle through"
            + " (default 1000)")
    String keys;

    @Option(name = "-u", aliases = "--unique", description = "One key of its own per write, load-<node>-<n>,"
            + " instead of shared keys")
    boolean unique;

    @Option(name = "-s", aliases = "--stop", description = "Stops the running load")
    boolean stop;

    @Override
    public Object execute() throws Exception {
        if (stop) {
            if (count != null || rate != null || keys != null || unique) {
                throw new CommandException("kv:load: --stop takes no --count, --rate, --keys or --unique");
            }
            LoadProgress p = store.stopLoad();
            System.out.println("load: " + KvReports.load(p));
            return null;
        }
        if (count == null) {
            throw new CommandException("kv:load: --count N is required (or --stop)");
        }
        if (unique && keys != null) {
            throw new CommandException("kv:load: --unique and --keys exclude each other");
        }
        long n = parseCount(count);
        double r = rate == null ? 0 : parseRate(rate);
        long k = unique ? KvStore.UNIQUE_KEYS : keys == null ? KvStore.DEFAULT_LOAD_KEYS : parseKeys(keys);
        LoadProgress[] started = new LoadProgress[1];
        Failures.run("kv:load", () -> started[0] = store.load(n, r, k));
        String what = unique ? n + " key" + (n == 1 ? "" : "s")
                : n + " write" + (n == 1 ? "" : "s") + " over shared keys k1..k" + k;
        System.out.println("load started: " + what + ", limit " + KvReports.rate(r) + "; follow it with kv:stats");
        return null;
    }

    static long parseKeys(String text) throws CommandException {
        try {
            long k = Long.parseLong(text.trim());
            if (k >= 1) {
                return k;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new CommandException("kv:load: --keys must be a whole number of 1 or more, not '" + text + "'");
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
