package org.cutover.api;

/** A group operation was refused; {@link #code()} says why. */
public class GroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ReasonCode code;

    public GroupException(ReasonCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public ReasonCode code() {
        return code;
    }
}
