package org.cutover.bench.karaf;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.cutover.launcher.KarafNode;

/**
 * Samples one node's kv member's {@code applied} counter every {@code periodMillis} in a thread of its own, on a
 * login of its own for each sample. A sample's time is the middle of its ssh round trip (about 90 ms, so a window of
 * a second or more is off by a few per cent at most).
 */
final class WriteSampler implements AutoCloseable {

    /** one reading: when (System.nanoTime), how many writes the member had applied */
    record Sample(long nanos, long applied) {
    }

    /** a span between two samples at least a second apart: its writes per second */
    record Window(long fromNanos, long toNanos, double perSecond) {
    }

    private static final Pattern APPLIED = Pattern.compile("(?m)^applied:\\s+(\\d+)");

    private final KarafNode node;
    private final long periodMillis;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    WriteSampler(KarafNode node, long periodMillis) {
        this.node = node;
        this.periodMillis = periodMillis;
        this.thread = new Thread(this::run, "write-sampler-" + node.name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            long before = System.nanoTime();
            try {
                Matcher m = APPLIED.matcher(node.shell("kv:stats").output());
                long after = System.nanoTime();
                if (m.find()) {
                    synchronized (samples) {
                        samples.add(new Sample(before + (after - before) / 2, Long.parseLong(m.group(1))));
                    }
                }
                Thread.sleep(Math.max(0, periodMillis - (after - before) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a missed sample widens one window; the windows say how wide they are
            }
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** windows of at least one second from each sample to the first one a second or more after it */
    static List<Window> windows(List<Sample> samples, long fromNanos, long toNanos) {
        List<Window> out = new ArrayList<>();
        int j = 0;
        for (int i = 0; i < samples.size(); i++) {
            Sample a = samples.get(i);
            if (a.nanos() < fromNanos) {
                continue;
            }
            j = Math.max(j, i + 1);
            while (j < samples.size() && samples.get(j).nanos() - a.nanos() < 1_000_000_000L) {
                j++;
            }
            if (j >= samples.size() || samples.get(j).nanos() > toNanos) {
                break;
            }
            Sample b = samples.get(j);
            out.add(new Window(a.nanos(), b.nanos(), (b.applied() - a.applied()) * 1e9 / (b.nanos() - a.nanos())));
        }
        return out;
    }

    /** writes per second over a whole span (first to last sample inside it) */
    static double rate(List<Sample> samples, long fromNanos, long toNanos) {
        List<Sample> in = samples.stream().filter(s -> s.nanos() >= fromNanos && s.nanos() <= toNanos).toList();
        if (in.size() < 2) {
            return 0;
        }
        Sample a = in.get(0);
        Sample b = in.get(in.size() - 1);
        return (b.applied() - a.applied()) * 1e9 / (b.nanos() - a.nanos());
    }

    /**
     * ends the sampling after the command under way: no interrupt, since a thread interrupted inside an ssh exchange
     * leaves that login half way (in one run the node's ssh server stopped answering anyone after such an end)
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(70_000);
    }
}
