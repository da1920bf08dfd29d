package org.cutover.api.version;

/** How one adjust is made (see {@link VersionService#adjust(VersionRequest, java.util.Set)}). */
public enum AdjustOption {
    /** no automatic revert of this adjust, whatever the group's health checks say after it */
    NO_REVERT
}
