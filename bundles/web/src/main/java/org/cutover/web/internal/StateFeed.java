package org.cutover.web.internal;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The cluster document as JSON, built at most once per refresh interval for every open page together: with 50
 * groups a build takes well under a millisecond, but each page polls it every {@link #POLL_MILLIS}.
 */
final class StateFeed {

    /** how often a live stream looks for a new document: with the default refresh, a change shows within 0.5 s */
    static final long POLL_MILLIS = 100;

    private final Supplier<String> build;
    private final long refreshMillis;
    private final LongSupplier clock;
    private String last;
    private long lastAt;

    StateFeed(Supplier<String> build, long refreshMillis, LongSupplier clock) {
        this.build = build;
        this.refreshMillis = refreshMillis;
        this.clock = clock;
    }

    /** the next read builds anew: after a change this node made, its page shows it at once */
    synchronized void invalidate() {
        last = null;
    }

    synchronized String current() {
        long now = clock.getAsLong();
        if (last == null || now - lastAt >= refreshMillis) {
            last = build.get();
            lastAt = now;
        }
        return last;
    }
}
