package org.cutover.bench.stats;

import java.util.Arrays;
import java.util.List;

/** Percentiles of a sample of nanosecond timings (nearest-rank); shared by the in-JVM harness and the Karaf probe. */
public record Stats(int count, long p50, long p99, long max, long min, double mean) {

    public static Stats of(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return new Stats(0, 0, 0, 0, 0, 0);
        }
        long[] a = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return new Stats(a.length, rank(a, 0.50), rank(a, 0.99), a[a.length - 1], a[0],
                Arrays.stream(a).average().orElse(0));
    }

    private static long rank(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * One row of a p50/max/min table: {@code what} in a column of {@code nameWidth}, figures of {@code width};
     * a negative value is an outcome never seen within {@code limitSeconds}, counted beside the row.
     */
    public static void row(StringBuilder table, int nameWidth, int width, String what, java.util.List<Long> values,
                           java.util.function.LongFunction<String> format, int limitSeconds) {
        java.util.List<Long> ok = values.stream().filter(n -> n >= 0).sorted().toList();
        String missing = ok.size() == values.size() ? ""
                : "  (" + (values.size() - ok.size()) + " never within " + limitSeconds + " s)";
        if (ok.isEmpty()) {
            table.append(String.format(java.util.Locale.ROOT, "%-" + nameWidth + "s %" + width + "s%s%n", what, "-",
                    missing));
            return;
        }
        table.append(String.format(java.util.Locale.ROOT, "%-" + nameWidth + "s %" + width + "s %" + width + "s %"
                + width + "s%s%n", what, format.apply(ok.get(ok.size() / 2)), format.apply(ok.get(ok.size() - 1)),
                format.apply(ok.get(0)), missing));
    }

    public static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }

    public Json.Obj toJson() {
        return new Json.Obj().put("count", count).put("p50_ms", p50 / 1e6).put("p99_ms", p99 / 1e6)
                .put("max_ms", max / 1e6).put("min_ms", min / 1e6).put("mean_ms", mean / 1e6);
    }
}
