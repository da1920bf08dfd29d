package org.cutover.health.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionService;
import org.junit.After;
import org.junit.Test;
import org.osgi.service.event.Event;

/** The automatic revert's decisions, with the checks and the version service as fakes. */
public class RevertWatchTest {

    /** group kv at this epoch, as the group service reports it */
    private final AtomicLong epoch = new AtomicLong(2);
    /** what the group's checks answer now */
    private final AtomicReference<Optional<String>> critical = new AtomicReference<>(Optional.empty());
    /** the reverts asked: "group epoch toLevel why" */
    private final List<String> reverts = new CopyOnWriteArrayList<>();
    private RevertWatch watch;

    private RevertWatch watch(boolean enabled, Duration window) {
        VersionService versions = (VersionService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {VersionService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("revert")) {
                        reverts.add(args[0] + " " + args[1] + " " + args[2] + " " + args[3]);
                        return AdjustResult.refused(new CheckResult(1, Map.of(), Map.of(), List.of()));
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        GroupService groups = (GroupService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {GroupService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("group")) {
                        return Optional.of(new GroupInfo((String) args[0], 2, 2, epoch.get(), List.of()));
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        watch = new RevertWatch(versions, groups, g -> critical.get(), "node2", enabled, window, 20);
        return watch;
    }

    @After
    public void stop() {
        if (watch != null) {
            watch.deactivate();
        }
    }

    private static Event adjusted(int from, int to, long epoch, boolean revertable) {
        return new Event(VersionService.TOPIC_VERSION_ADJUSTED, Map.of("group", "kv", "from", from, "to", to,
                "epoch", epoch, VersionService.EVENT_REVERTABLE, revertable));
    }

    @Test
    public void aCheckThatTurnsCriticalInTheWindowRevertsTheGroupOnceToItsLevelBefore() throws Exception {
        watch(true, Duration.ofSeconds(5)).handleEvent(adjusted(1, 2, 2, true));
        Thread.sleep(200);
        assertEquals("nothing critical yet", List.of(), reverts);
        critical.set(Optional.of(RevertWatch.describe("kv answers", "3 of 3 reads failed")));
        awaitReverts(1);
        Thread.sleep(200);
        assertEquals(List.of("kv 2 1 check 'kv answers' CRITICAL: 3 of 3 reads failed on node2"), reverts);
    }

    @Test
    public void noRevertAfterTheWindowForADowngradeWithNoRevertOrWhenDisabled() throws Exception {
        critical.set(Optional.of("check 'x' CRITICAL"));
        watch(true, Duration.ofSeconds(5)).handleEvent(adjusted(1, 2, 2, false)); // --no-revert
        watch.handleEvent(adjusted(2, 1, 2, true)); // a downgrade is not watched
        watch.deactivate();
        watch(false, Duration.ofSeconds(5)).handleEvent(adjusted(1, 2, 2, true));
        watch.deactivate();
        critical.set(Optional.empty());
        watch(true, Duration.ofMillis(100)).handleEvent(adjusted(1, 2, 2, true));
        Thread.sleep(300);
        critical.set(Optional.of("check 'x' CRITICAL"));
        Thread.sleep(300);
        assertEquals(List.of(), reverts);
    }

    @Test
    public void aGroupThatMovedOnIsNotReverted() throws Exception {
        watch(true, Duration.ofSeconds(5)).handleEvent(adjusted(1, 2, 2, true));
        Thread.sleep(100);
        epoch.set(3); // an operator adjusted it again
        critical.set(Optional.of("check 'x' CRITICAL"));
        Thread.sleep(300);
        assertEquals(List.of(), reverts);
        // its next adjust is watched afresh
        watch.handleEvent(adjusted(2, 3, 3, true));
        awaitReverts(1);
        assertTrue(reverts.get(0), reverts.get(0).startsWith("kv 3 2 "));
    }

    @Test
    public void theDescriptionIsOnePrintableLineOfAtMost200Characters() {
        assertEquals("check 'a' CRITICAL: b c", RevertWatch.describe("a", "b\nc"));
        assertEquals(200, RevertWatch.describe("a", "x".repeat(500)).length());
    }

    private void awaitReverts(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (reverts.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no revert within 5 s; reverts " + reverts);
            }
            Thread.sleep(10);
        }
    }
}
