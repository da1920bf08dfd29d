package org.cutover.bench.stats;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** CPU by kind of thread summed over measured operations (the whole JVM: what the operations cost) */
public final class CpuTally {

    private final Map<String, Long> nanosByKind = new HashMap<>();
    private long operations;

    /** adds CPU nanoseconds by kind of thread ({@link ThreadCpu#byKind}) spent on {@code ops} operations */
    public void add(Map<String, Long> used, int ops) {
        used.forEach((kind, nanos) -> nanosByKind.merge(kind, nanos, Long::sum));
        operations += ops;
    }

    /** µs of CPU per operation, all threads together */
    public double totalMicros() {
        return nanosByKind.values().stream().mapToLong(Long::longValue).sum() / 1e3 / Math.max(1, operations);
    }

    /** the total, then µs of CPU per operation by kind of thread, the most first */
    public String perOperation(int top) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, " all %.0f:", totalMicros()));
        nanosByKind.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> b.append(String.format(Locale.ROOT, " %s %.0f;", e.getKey(),
                        e.getValue() / 1e3 / Math.max(1, operations))));
        return b.toString();
    }
}
