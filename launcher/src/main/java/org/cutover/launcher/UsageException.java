package org.cutover.launcher;

/** The launcher was called wrongly; the message says how to call it (exit status 2). */
public class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
