package org.cutover.shell.internal;

import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;

import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.VersionRequest;

/** Turns the arguments of version-check and version-adjust into a request, refusing what is not one. */
final class VersionArguments {

    private VersionArguments() {
    }

    static VersionRequest request(List<String> groups, boolean all, String to, boolean downgrade)
            throws CommandException {
        List<String> named = groups == null ? List.of() : groups;
        if (all && !named.isEmpty()) {
            throw new CommandException("name groups or use --all, not both");
        }
        // Karaf reads options only before the arguments: "orders --to 2" makes "--to" and "2" group names
        for (String name : named) {
            if (name.startsWith("-")) {
                throw new CommandException("options go before the group names, '" + name + "' came after them");
            }
        }
        if (!all && named.isEmpty()) {
            throw new CommandException("name at least one group, or use --all");
        }
        VersionRequest request = new VersionRequest(new TreeSet<>(named), all, level(to), false);
        return downgrade ? request.withDowngrade() : request;
    }

    /** the value of --to; empty when it was not given */
    static OptionalInt level(String to) throws CommandException {
        if (to == null) {
            return OptionalInt.empty();
        }
        try {
            int level = Integer.parseInt(to.trim());
            if (level >= 1) {
                return OptionalInt.of(level);
            }
        } catch (NumberFormatException notANumber) {
            // refused below with the same message as zero and negative levels
        }
        throw new CommandException(ReasonCode.INVALID_LEVEL + ": --to takes a level, a whole number of 1 or more, not '"
                + to + "'");
    }
}
