package org.cutover.launcher;

import java.util.LinkedHashMap;
import java.util.Map;

/** The example's {@code kv:stats} lines ("sent:   123") as a map of name to value. */
public final class KvStats {

    private KvStats() {
    }

    static Map<String, String> of(KarafNode node) {
        return parse(node.shell("kv:stats").orThrow(node.name));
    }

    /** the lines of a {@code kv:stats} output */
    public static Map<String, String> parse(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : output.split("\\R")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return values;
    }

    /** a counter of a {@code kv:stats} output, e.g. "applied:       24000" */
    public static long counter(String output, String name) {
        return counter(parse(output), name);
    }

    /** a counter, or a failure naming what kv:stats said instead */
    static long counter(Map<String, String> stats, String name) {
        String value = stats.get(name);
        if (value == null || !value.matches("\\d+")) {
            throw new CommandFailedException("kv:stats has no counter '" + name + "': " + stats);
        }
        return Long.parseLong(value);
    }
}
