package org.cutover.web.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionOptions;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;

/**
 * This node's health checks with the tag {@code cutover} or a group's tag ({@code cutover-group:NAME}), as
 * {@code cluster:health} runs them, at most once per interval however many pages are open: Felix runs the
 * checks themselves, and caches their results as each check says.
 */
final class HealthResults implements Supplier<List<Map<String, Object>>> {

    private final HealthCheckExecutor executor;
    private final Supplier<List<String>> groupNames;
    private final long intervalMillis;
    private final LongSupplier clock;
    private List<Map<String, Object>> last = List.of();
    private long lastAt = Long.MIN_VALUE;

    HealthResults(HealthCheckExecutor executor, Supplier<List<String>> groupNames, long intervalMillis,
                  LongSupplier clock) {
        this.executor = executor;
        this.groupNames = groupNames;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
    }

    @Override
    public synchronized List<Map<String, Object>> get() {
        long now = clock.getAsLong();
        if (lastAt != Long.MIN_VALUE && now - lastAt < intervalMillis) {
            return last;
        }
        List<String> tags = new ArrayList<>(List.of("cutover"));
        groupNames.get().forEach(g -> tags.add("cutover-group:" + g));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (HealthCheckExecutionResult r : executor.execute(HealthCheckSelector.tags(tags.toArray(String[]::new)),
                new HealthCheckExecutionOptions().setCombineTagsWithOr(true))) {
            Result result = r.getHealthCheckResult();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.getHealthCheckMetadata().getName());
            m.put("tags", r.getHealthCheckMetadata().getTags());
            m.put("status", result.getStatus().name());
            m.put("message", message(result));
            rows.add(m);
        }
        rows.sort((a, b) -> String.valueOf(a.get("name")).compareTo(String.valueOf(b.get("name"))));
        last = List.copyOf(rows);
        lastAt = now;
        return last;
    }

    /** the entries at the result's own status (the ones that decided it), joined */
    private static String message(Result result) {
        StringBuilder sb = new StringBuilder();
        for (ResultLog.Entry e : result) {
            if (e.getStatus() == result.getStatus()) {
                sb.append(sb.length() == 0 ? "" : "; ").append(e.getMessage());
            }
        }
        return sb.toString();
    }
}
