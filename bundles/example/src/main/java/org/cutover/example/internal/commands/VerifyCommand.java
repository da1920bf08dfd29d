package org.cutover.example.internal.commands;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.FunctionUnavailableException;
import org.cutover.example.internal.KvStore;
import org.cutover.example.internal.VerifyReport;

@Command(scope = "kv", name = "verify", description = "Asks every member of group kv for a digest of its map at one"
        + " point of the order and prints them; fails unless all agree on a map that is not empty. Needs"
        + " infrastructure level 2")
@Service
public class VerifyCommand implements Action {

    @Reference
    KvStore store;

    @Option(name = "-t", aliases = "--timeout", description = "Seconds to wait for every member's answer (default 10)")
    String timeout;

    @Override
    public Object execute() throws Exception {
        Duration wait = Duration.ofSeconds(10);
        if (timeout != null) {
            try {
                wait = Duration.ofMillis(Math.round(Double.parseDouble(timeout.trim()) * 1000));
            } catch (NumberFormatException e) {
                wait = Duration.ZERO;
            }
            if (wait.isZero() || wait.isNegative()) {
                throw new CommandException("kv:verify: --timeout must be a number of seconds above 0, not '"
                        + timeout + "'");
            }
        }
        Duration w = wait;
        VerifyReport[] report = new VerifyReport[1];
        try {
            Failures.run("kv:verify", () -> report[0] = store.verify(w));
        } catch (CommandException e) {
            if (e.getCause() instanceof FunctionUnavailableException f) {
                throw new CommandException(KvReports.levelRefusal(f), f);
            }
            throw e;
        } catch (TimeoutException e) {
            throw new CommandException("kv:verify: the request was not answered within " + w.toSeconds()
                    + " s (and its own deadline)", e);
        }
        KvReports.verify(report[0]).forEach(System.out::println);
        String failure = KvReports.verifyFailure(report[0]);
        if (failure != null) {
            throw new CommandException(failure);
        }
        return null;
    }
}
