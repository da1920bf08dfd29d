package org.cutover.api.version;

import java.util.List;

import org.cutover.api.ReasonCode;

/**
 * One reason a check failed.
 *
 * @param code     the reason code
 * @param subjects what it is about: node or group names
 * @param message  one readable line that says what failed and why
 */
public record CheckFailure(ReasonCode code, List<String> subjects, String message) {
    public CheckFailure {
        subjects = List.copyOf(subjects);
    }

    @Override
    public String toString() {
        return code + ": " + message;
    }
}
