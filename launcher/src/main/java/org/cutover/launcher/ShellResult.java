package org.cutover.launcher;

/**
 * What one shell command on a node gave: the exit status Karaf's ssh server reports (0, or 1 when the command
 * threw, as for a user error or an unknown command) and its output and error output together.
 */
public record ShellResult(String command, int exitStatus, String output) {

    public boolean succeeded() {
        return exitStatus == 0;
    }

    /** the output, or a {@link CommandFailedException} naming the command, the node's answer and the status */
    public String orThrow(String node) {
        if (!succeeded()) {
            throw new CommandFailedException(node + ": '" + command + "' failed (exit status " + exitStatus + "): "
                    + output.strip());
        }
        return output;
    }
}
