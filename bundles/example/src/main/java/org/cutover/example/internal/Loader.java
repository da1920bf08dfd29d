package org.cutover.example.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.cutover.example.internal.LoadProgress.State;

/**
 * Writes in the background, one load at a time, at up to a given rate: over a
 * key space shared by every node's loader ({@code k1} … {@code k<keys>}, so
 * writers on several nodes overwrite each other's keys and the order decides
 * the values), or one key of its own per write. A load ends when it has made
 * every write, when it is stopped, or when a write fails.
 */
final class Loader {

    /** where the loader's writes go */
    interface Writer {
        void put(String key, String value);
    }

    private final Writer writer;
    private Run current;

    Loader(Writer writer) {
        this.writer = writer;
    }

    /**
     * Starts {@code count} writes: write n sets {@code k<i>} (i = 1 … keys, over
     * and over) to {@code <node>-<n>}, or with {@code keys} {@link KvStore#UNIQUE_KEYS}
     * {@code load-<node>-<n>} to {@code value-<n>}.
     *
     * @throws IllegalArgumentException if count is not positive, rate or keys negative
     * @throws IllegalStateException    if a load is running
     */
    synchronized LoadProgress start(String node, long count, double rate, long keys) {
        if (count <= 0) {
            throw new IllegalArgumentException("the count must be 1 or more, not " + count);
        }
        if (keys < 0) {
            throw new IllegalArgumentException("the key space must be 1 key or more (or unique keys), not " + keys);
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("the rate must be 0 (no limit) or more writes a second, not " + rate);
        }
        if (current != null && current.state == State.RUNNING) {
            LoadProgress p = current.progress();
            throw new IllegalStateException("a load is already running (" + p.written() + " of " + p.count()
                    + " written)");
        }
        Run run = new Run(node, count, rate, keys);
        current = run;
        run.thread.start();
        return run.progress();
    }

    synchronized LoadProgress progress() {
        return current == null ? LoadProgress.IDLE : current.progress();
    }

    /**
     * Stops the running load and waits up to {@code wait} for its thread to end.
     *
     * @return the progress once stopped (still RUNNING if the thread did not end in time: a write is blocked)
     */
    LoadProgress stop(Duration wait) throws InterruptedException {
        Run run;
        synchronized (this) {
            run = current;
        }
        if (run == null) {
            return LoadProgress.IDLE;
        }
        run.stop.countDown();
        run.thread.join(Math.max(1, wait.toMillis()));
        return run.progress();
    }

    private final class Run implements Runnable {
        final String node;
        final long count;
        final double rate;
        final long keys;
        final AtomicLong written = new AtomicLong();
        final CountDownLatch stop = new CountDownLatch(1);
        final Thread thread;
        final long startNanos = System.nanoTime();
        volatile long endNanos;
        volatile State state = State.RUNNING;
        volatile String error;

        Run(String node, long count, double rate, long keys) {
            this.node = node;
            this.count = count;
            this.rate = rate;
            this.keys = keys;
            thread = new Thread(this, "cutover-kv-loader");
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            State end = State.DONE;
            try {
                for (long n = 1; n <= count; n++) {
                    if (rate > 0) {
                        long due = startNanos + (long) ((n - 1) * 1e9 / rate);
                        long wait = due - System.nanoTime();
                        if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
                            end = State.STOPPED;
                            break;
                        }
                    }
                    if (stop.getCount() == 0) {
                        end = State.STOPPED;
                        break;
                    }
                    if (keys == KvStore.UNIQUE_KEYS) {
                        writer.put("load-" + node + "-" + n, "value-" + n);
                    } else {
                        writer.put("k" + ((n - 1) % keys + 1), node + "-" + n);
                    }
                    written.incrementAndGet();
                }
            } catch (InterruptedException e) {
                end = State.STOPPED;
            } catch (RuntimeException e) {
                end = State.FAILED;
                error = String.valueOf(e.getMessage());
            } finally {
                endNanos = System.nanoTime();
                state = end;
            }
        }

        LoadProgress progress() {
            State s = state;
            long end = s == State.RUNNING ? System.nanoTime() : endNanos;
            return new LoadProgress(s, count, written.get(), rate, Duration.ofNanos(end - startNanos), error);
        }
    }
}
