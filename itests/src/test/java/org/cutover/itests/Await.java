package org.cutover.itests;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/** Waits with a deadline; a wait that times out fails with the last state it saw. */
public final class Await {

    private static final long POLL_MILLIS = 20;
    /**
     * A probe that takes long is a command on a node over ssh (about 90 ms, each a login of its own): the pause
     * after it is 5 times its length, up to a second, so that a wait does not log in ten times a second (a node's
     * ssh server stopped accepting connections after 269 logins in two minutes; see KarafNode.shell)
     */
    private static final long PAUSE_FACTOR = 5;
    private static final long MAX_PAUSE_MILLIS = 1_000;

    private Await() {
    }

    /**
     * Polls {@code probe} until {@code done} holds for its value, and returns that value.
     *
     * @throws AssertionError after {@code timeout}, naming {@code what} and the last value (or exception) seen
     */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        RuntimeException lastError = null;
        while (true) {
            long probeStart = System.nanoTime();
            try {
                last = probe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for "
                        + what + "; last seen: " + (lastError != null ? lastError : last));
                if (lastError != null) {
                    failure.initCause(lastError);
                }
                throw failure;
            }
            long probeMillis = (System.nanoTime() - probeStart) / 1_000_000;
            try {
                Thread.sleep(Math.min(MAX_PAUSE_MILLIS, Math.max(POLL_MILLIS, PAUSE_FACTOR * probeMillis)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /**
     * Waits for a service; fails naming the bundles that are not active when it does not come.
     */
    public static <T> T service(BundleContext context, Class<T> type, Duration timeout) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            T service = tracker.waitForService(timeout.toMillis());
            if (service == null) {
                throw new AssertionError("no " + type.getName() + " service after " + timeout.toMillis()
                        + " ms; bundles not active: " + inactiveBundles(context));
            }
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + type.getName(), e);
        } finally {
            // the service object stays usable while its bundle is active
            tracker.close();
        }
    }

    static String inactiveBundles(BundleContext context) {
        String list = Arrays.stream(context.getBundles())
                .filter(b -> b.getState() != Bundle.ACTIVE && b.getHeaders().get("Fragment-Host") == null)
                .map(b -> b.getSymbolicName() + "/" + b.getVersion() + "=" + state(b.getState()))
                .collect(Collectors.joining(", "));
        return list.isEmpty() ? "(none)" : list;
    }

    private static String state(int state) {
        switch (state) {
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            default: return Integer.toString(state);
        }
    }
}
