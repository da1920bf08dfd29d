package org.cutover.api;

/** The group's current level does not offer the function asked for. */
public class FunctionUnavailableException extends GroupException {
    private static final long serialVersionUID = 1L;
    private final InfraFunction function;
    private final int level;

    public FunctionUnavailableException(String group, InfraFunction function, int level) {
        super(ReasonCode.FUNCTION_UNAVAILABLE, "group " + group + " is at level " + level + ", which does not offer "
                + function + "; adjust the group to a level that does");
        this.function = function;
        this.level = level;
    }

    public InfraFunction function() {
        return function;
    }

    public int level() {
        return level;
    }
}
