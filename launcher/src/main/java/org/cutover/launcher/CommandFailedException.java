package org.cutover.launcher;

/** A command on a node, or of the launcher, did not do what it was asked; the message says what happened. */
public class CommandFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CommandFailedException(String message) {
        super(message);
    }

    public CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
