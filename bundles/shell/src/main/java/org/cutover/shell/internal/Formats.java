package org.cutover.shell.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the commands write durations and lists. */
final class Formats {

    private Formats() {
    }

    /** milliseconds with microsecond precision below a second, seconds above; "-" when unknown */
    static String duration(Duration duration) {
        if (duration == null) {
            return "-";
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return String.format(Locale.ROOT, "%.3f ms", duration.toNanos() / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f s", duration.toNanos() / 1e9);
    }

    /** the items joined by ", ", or "-" when there are none */
    static String list(Collection<?> items) {
        if (items.isEmpty()) {
            return "-";
        }
        return items.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
