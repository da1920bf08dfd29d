package org.cutover.example.internal;

import java.time.Duration;

/**
 * How far the background loader got.
 *
 * @param state   what it is doing
 * @param count   keys asked for
 * @param written keys written so far
 * @param rate    the limit in writes a second, 0 for none
 * @param elapsed since it started (to its end once it has ended)
 * @param error   why it failed, or null
 */
public record LoadProgress(State state, long count, long written, double rate, Duration elapsed, String error) {

    public enum State {
        /** no load has run since the store started */
        IDLE,
        RUNNING,
        /** wrote every key asked for */
        DONE,
        /** stopped by a command or by the store's deactivation */
        STOPPED,
        /** a write failed; {@link LoadProgress#error()} says why */
        FAILED
    }

    static final LoadProgress IDLE = new LoadProgress(State.IDLE, 0, 0, 0, Duration.ZERO, null);

    /** writes a second achieved so far */
    public double achievedRate() {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0 : written * 1e9 / nanos;
    }
}
