package org.cutover.bench.stats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a JVM's CPU goes between two moments, by kind of thread (its name without numbers), read from Linux's
 * {@code /proc/self/task}: it has the JVM's own threads too (GC, JIT compilers), which {@code ThreadMXBean} does
 * not list, and a JFR sample counts a thread the kernel preempted as running where the CPU clock does not.
 * Resolution: the kernel's clock tick (10 ms), per thread.
 */
public final class ThreadCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    /** tid -> name and ticks */
    private final Map<String, Map.Entry<String, Long>> atStart;

    private ThreadCpu(Map<String, Map.Entry<String, Long>> atStart) {
        this.atStart = atStart;
    }

    /**
     * The CPU time of every thread now (nothing where there is no /proc). The calling thread is read last here and
     * first in {@link #byKind()}: reading some 300 files took it about 4 ms, which counted as the measured work
     * ("java", 230-280 µs per adjust in blocks of 20).
     */
    public static ThreadCpu start() {
        Map<String, Map.Entry<String, Long>> all = read();
        String self = selfTid();
        if (self != null) {
            readOne(TASKS.resolve(self), all);
        }
        return new ThreadCpu(all);
    }

    /** CPU nanoseconds since {@link #start()} by kind of thread, the most first (threads that ended are missing) */
    public Map<String, Long> byKind() {
        Map<String, Map.Entry<String, Long>> self = new HashMap<>();
        String tid = selfTid();
        if (tid != null) {
            readOne(TASKS.resolve(tid), self);
        }
        Map<String, Map.Entry<String, Long>> all = read();
        all.putAll(self);
        Map<String, Long> sum = new HashMap<>();
        all.forEach((id, now) -> {
            Map.Entry<String, Long> before = atStart.get(id);
            long ticks = now.getValue() - (before == null ? 0 : before.getValue());
            sum.merge(kind(now.getKey()), ticks * NANOS_PER_TICK, Long::sum);
        });
        return sum.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    /** one line per kind: cores it used over {@code wallNanos}, the largest {@code top} */
    public String table(long wallNanos, int top) {
        StringBuilder s = new StringBuilder();
        List<Map.Entry<String, Long>> rows = List.copyOf(byKind().entrySet());
        for (int i = 0; i < Math.min(top, rows.size()); i++) {
            s.append(String.format(Locale.ROOT, "  %6.3f cores  %s%n", rows.get(i).getValue() / (double) wallNanos,
                    rows.get(i).getKey()));
        }
        return s.toString();
    }

    private static Map<String, Map.Entry<String, Long>> read() {
        Map<String, Map.Entry<String, Long>> all = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return all;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path t : tasks) {
                readOne(t, all);
            }
        } catch (IOException e) {
            return all;
        }
        return all;
    }

    private static void readOne(Path task, Map<String, Map.Entry<String, Long>> into) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // "tid (comm) state ..." where comm may hold spaces and parentheses: the fields follow the last ')'
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            into.put(task.getFileName().toString(), Map.entry(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
        } catch (IOException | RuntimeException ended) {
            // the thread ended meanwhile
        }
    }

    /** the calling thread's id in /proc, or null */
    private static String selfTid() {
        try {
            return Path.of("/proc/thread-self").toRealPath().getFileName().toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** a thread's name without what tells threads of one kind apart */
    static String kind(String name) {
        return name.replaceAll("\\d+", "#");
    }
}
