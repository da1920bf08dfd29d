package org.cutover.core.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's life in the cluster log: closed until its fresh hello is
 * committed, then the incarnation the log gave it, which every member id the
 * node makes carries.
 */
final class Incarnation {

    private final String nodeName;
    /** opens when this node's fresh hello is applied: from then on its joins are ordered after it */
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile long number;
    private final AtomicLong memberCounter = new AtomicLong();

    Incarnation(String nodeName) {
        this.nodeName = nodeName;
    }

    /** this node's hello is committed with this incarnation */
    void helloCommitted(long incarnation) {
        number = incarnation;
        ready.countDown();
    }

    boolean isSynced() {
        return ready.getCount() == 0;
    }

    boolean awaitSynced(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** node#incarnation.n: unique across restarts, so applications can key state by member id */
    String newMemberId() {
        return nodeName + "#" + number + "." + memberCounter.incrementAndGet();
    }

    /** whether the member is one this node made since its hello was committed (a join it may have given up on) */
    boolean made(String memberId) {
        return isSynced() && memberId.startsWith(nodeName + "#" + number + ".");
    }
}
