package org.cutover.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cutover.bench.stats.Stats;

/**
 * Pools the adjusts of several {@link TlsCostBench} runs ({@code target/tls-adjust-samples.csv}, copied aside after
 * each run): each run's p50 and p99 a side and the second side's over the first's, then the same over every sample
 * together. One run's p99 is its 21st slowest of 2,000 adjusts and moved between 88 % and 142 % of plain's under TLS
 * (2026-12-05); pooled, a few slow moments of one run weigh as what they are.
 *
 * <pre>java -cp "target/classes:target/lib/*" org.cutover.bench.AdjustSamples run1.csv run2.csv ...</pre>
 */
public final class AdjustSamples {

    private AdjustSamples() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("name the samples files of one or more TlsCostBench runs");
        }
        Map<String, List<Long>> pooled = new LinkedHashMap<>();
        for (String file : args) {
            Map<String, List<Long>> run = read(Path.of(file));
            System.out.println(line(file, run));
            run.forEach((side, nanos) -> pooled.computeIfAbsent(side, s -> new ArrayList<>()).addAll(nanos));
        }
        System.out.println(line("pooled, " + args.length + " runs", pooled));
    }

    /** the samples by side, in the file's order of sides */
    static Map<String, List<Long>> read(Path file) throws IOException {
        Map<String, List<Long>> bySide = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals("side,index,nanos")) {
            throw new IOException(file + " is not a TlsCostBench samples file (side,index,nanos)");
        }
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            bySide.computeIfAbsent(f[0], s -> new ArrayList<>()).add(Long.parseLong(f[2]));
        }
        if (bySide.size() != 2) {
            throw new IOException(file + " holds " + bySide.keySet() + ", not two sides");
        }
        return bySide;
    }

    static String line(String what, Map<String, List<Long>> bySide) {
        List<String> sides = new ArrayList<>(bySide.keySet());
        Stats a = Stats.of(bySide.get(sides.get(0)));
        Stats b = Stats.of(bySide.get(sides.get(1)));
        return String.format(Locale.ROOT, "%-32s %s/%s n=%d/%d  p50 %s/%s ms (%.0f %%)  p99 %s/%s ms (%.0f %%)", what,
                sides.get(0), sides.get(1), a.count(), b.count(), Stats.ms(a.p50()), Stats.ms(b.p50()),
                100.0 * b.p50() / a.p50(), Stats.ms(a.p99()), Stats.ms(b.p99()), 100.0 * b.p99() / a.p99());
    }
}
