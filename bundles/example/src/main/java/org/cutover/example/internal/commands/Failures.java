package org.cutover.example.internal.commands;

import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.GroupException;

/** Turns the store's refusals into command failures with readable messages. */
final class Failures {

    private Failures() {
    }

    interface Body {
        void run() throws Exception;
    }

    /** runs the body; a refusal of the store or of the group becomes a {@link CommandException} */
    static void run(String command, Body body) throws Exception {
        try {
            body.run();
        } catch (CommandException e) {
            throw e;
        } catch (GroupException | IllegalStateException | IllegalArgumentException e) {
            throw new CommandException(command + ": " + e.getMessage(), e);
        }
    }
}
