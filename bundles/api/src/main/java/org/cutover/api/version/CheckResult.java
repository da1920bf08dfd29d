package org.cutover.api.version;

import java.util.List;
import java.util.Map;

/**
 * The outcome of the checks that precede an adjust. Nothing is sent to run them.
 *
 * @param targetLevel the level asked for, or the potential level when none was
 * @param fromLevels  each group's current level (only groups that exist)
 * @param fromEpochs  each group's current epoch (only groups that exist)
 * @param failures    every cause found, not only the first; empty when the adjust may go ahead
 */
public record CheckResult(int targetLevel, Map<String, Integer> fromLevels, Map<String, Long> fromEpochs,
                          List<CheckFailure> failures) {

    public CheckResult {
        // copies that keep the order they were given in
        fromLevels = OrderedCopy.of(fromLevels);
        fromEpochs = OrderedCopy.of(fromEpochs);
        failures = List.copyOf(failures);
    }

    public boolean passed() {
        return failures.isEmpty();
    }
}
