package org.cutover.api;

/** The group's current level does not offer the function asked for. */
public class FunctionUnavailableException extends GroupException {
    private static final long serialVersionUID = 1L;
    private final InfraFunction function;
    private final String extension;
    private final int level;

    public FunctionUnavailableException(String group, InfraFunction function, int level) {
        super(ReasonCode.FUNCTION_UNAVAILABLE, "group " + group + " is at level " + level + ", which does not offer "
                + function + "; adjust the group to a level that does");
        this.function = function;
        this.extension = null;
        this.level = level;
    }

    /**
     * for a function an infrastructure bundle brings ({@link org.cutover.api.spi.InfraProtocol#extensions()})
     *
     * @since 1.5
     */
    public FunctionUnavailableException(String group, String extension, int level) {
        super(ReasonCode.FUNCTION_UNAVAILABLE, "group " + group + " is at level " + level + ", which does not bring "
                + "the function '" + extension + "'; adjust the group to a level that does");
        this.function = null;
        this.extension = extension;
        this.level = level;
    }

    /** the core function asked for, or null when it was an {@link #extension()} */
    public InfraFunction function() {
        return function;
    }

    /** the infrastructure bundle's function asked for, or null when it was a core {@link #function()} */
    public String extension() {
        return extension;
    }

    public int level() {
        return level;
    }
}
