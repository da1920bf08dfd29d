package org.cutover.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;

/** The members' deliveries on the scheduler's runners, without a network. */
public class DeliverySchedulerTest {

    private final AtomicInteger threadsStarted = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        threadsStarted.incrementAndGet();
        Thread t = new Thread(r, "runner-" + threadsStarted.get());
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final DeliveryScheduler scheduler = new DeliveryScheduler(threads, timer, 2);

    @After
    public void stop() {
        threads.shutdownNow();
        timer.shutdownNow();
    }

    private List<MemberQueue> queues(int members) {
        List<MemberQueue> queues = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            queues.add(new MemberQueue(scheduler, "m" + i));
        }
        return queues;
    }

    /** what each member ran, in the order it ran */
    private static final class Log {
        final List<List<Integer>> ran = new ArrayList<>();

        Log(int members) {
            for (int i = 0; i < members; i++) {
                ran.add(new ArrayList<>());
            }
        }

        Runnable task(int member, int n, CountDownLatch done) {
            return () -> {
                synchronized (ran.get(member)) {
                    ran.get(member).add(n);
                }
                done.countDown();
            };
        }
    }

    @Test
    public void aBurstForAThousandMembersRunsEachInOrderOnAFewThreads() throws Exception {
        int members = 1000;
        int each = 10;
        List<MemberQueue> queues = queues(members);
        Log log = new Log(members);
        CountDownLatch done = new CountDownLatch(members * each);
        for (int n = 0; n < each; n++) {
            for (int i = 0; i < members; i++) {
                queues.get(i).execute(log.task(i, n, done));
            }
        }
        assertTrue("every task ran", done.await(30, TimeUnit.SECONDS));
        for (int i = 0; i < members; i++) {
            assertEquals("member " + i, List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), log.ran.get(i));
        }
        // a pool thread per ready member (the design before) started 31 here
        assertTrue(threadsStarted.get() + " threads for 1,000 members", threadsStarted.get() <= 4);
    }

    /**
     * What one applied entry queues to many members starts only once the last is queued, and then each member in
     * its order: a member already running takes the new task after its own earlier ones.
     */
    @Test
    public void membersQueuedTogetherStartWhenTheLastIsQueued() throws Exception {
        int members = 200;
        List<MemberQueue> queues = queues(members);
        Log log = new Log(members);
        CountDownLatch done = new CountDownLatch(members * 2);
        CountDownLatch firstRan = new CountDownLatch(1);
        queues.get(0).execute(() -> {
            firstRan.countDown();
            log.task(0, 0, done).run();
        });
        assertTrue(firstRan.await(10, TimeUnit.SECONDS));
        AtomicInteger ranWhileQueueing = new AtomicInteger(-1);
        scheduler.together(() -> {
            for (int i = 1; i < members; i++) {
                queues.get(i).execute(log.task(i, 0, done));
            }
            for (int i = 0; i < members; i++) {
                queues.get(i).execute(log.task(i, 1, done));
            }
            try {
                Thread.sleep(100); // long enough for the runners to take what had been handed to them
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int ran = 0;
            for (List<Integer> r : log.ran.subList(1, members)) { // member 0 may still be on its runner, which goes on
                synchronized (r) {
                    ran += r.size();
                }
            }
            ranWhileQueueing.set(ran);
        });
        assertEquals("tasks of idle members that ran before the last was queued", 0, ranWhileQueueing.get());
        assertTrue("every task ran", done.await(30, TimeUnit.SECONDS));
        for (int i = 0; i < members; i++) {
            assertEquals("member " + i, List.of(0, 1), log.ran.get(i));
        }
    }

    /**
     * Batches and single hand-overs race the runners letting go of members: every member still runs every task
     * once, in the order it was queued (a task handed over in a batch must not overtake one still queued).
     */
    @Test
    public void batchesRacingTheRunnersKeepEachMembersOrder() throws Exception {
        int members = 50;
        int rounds = 2000;
        List<MemberQueue> queues = queues(members);
        Log log = new Log(members);
        int[] next = new int[members];
        Random random = new Random(7);
        int total = 0;
        List<int[]> plan = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            // every third round one at a time and more than a turn's worth for members 0-2, so runners let go
            // of members whose queues are not empty yet, while batches take them
            int[] chosen = r % 3 == 0 ? random.ints(MemberQueue.TURN * 3, 0, 3).toArray()
                    : random.ints(1 + random.nextInt(20), 0, r % 2 == 0 ? 3 : members).toArray();
            plan.add(chosen);
            total += chosen.length;
        }
        CountDownLatch done = new CountDownLatch(total);
        for (int r = 0; r < rounds; r++) {
            int[] chosen = plan.get(r);
            Runnable queue = () -> {
                for (int m : chosen) {
                    queues.get(m).execute(log.task(m, next[m]++, done));
                }
            };
            if (r % 3 == 0) {
                queue.run(); // one at a time, as a member's own removal is
            } else {
                scheduler.together(queue);
            }
            if (r % 50 == 0) {
                Thread.sleep(1); // let the runners go idle now and then
            }
            Thread.yield();
        }
        assertTrue("every task ran", done.await(30, TimeUnit.SECONDS));
        for (int m = 0; m < members; m++) {
            List<Integer> expected = new ArrayList<>();
            for (int n = 0; n < next[m]; n++) {
                expected.add(n);
            }
            assertEquals("member " + m, expected, log.ran.get(m));
        }
    }

    /** the same within one batch: the members after three stuck ones in the batch still get their deliveries */
    @Test
    public void stuckListenersInABatchDoNotHoldUpTheMembersAfterThem() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(3);
        CountDownLatch others = new CountDownLatch(50);
        scheduler.together(() -> {
            for (int i = 0; i < 3; i++) {
                new MemberQueue(scheduler, "slow" + i).execute(() -> {
                    stuck.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            for (int i = 0; i < 50; i++) {
                new MemberQueue(scheduler, "other" + i).execute(others::countDown);
            }
        });
        try {
            assertTrue("all three slow listeners run at once", stuck.await(5, TimeUnit.SECONDS));
            assertTrue("the 50 members after them ran", others.await(5, TimeUnit.SECONDS));
        } finally {
            release.countDown();
        }
    }

    @Test
    public void listenersStuckOnEveryRunnerDoNotHoldUpAnotherMember() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) { // more stuck listeners than the parallelism of 2
            new MemberQueue(scheduler, "slow" + i).execute(() -> {
                stuck.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue("all three slow listeners run at once", stuck.await(5, TimeUnit.SECONDS));
        CountDownLatch other = new CountDownLatch(1);
        long start = System.nanoTime();
        new MemberQueue(scheduler, "other").execute(other::countDown);
        assertTrue("another member's delivery ran while the slow ones hold their runners",
                other.await(5, TimeUnit.SECONDS));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        release.countDown();
        assertTrue("it waited " + waitedMs + " ms", waitedMs < 1000);
    }

    @Test
    public void noDeliveryIsLostWhenProducersRaceTheRunnersGoingIdle() throws Exception {
        int members = 50;
        int producers = 4;
        int perProducer = 20_000;
        List<MemberQueue> queues = queues(members);
        CountDownLatch done = new CountDownLatch(producers * perProducer);
        List<Thread> started = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            Random random = new Random(p);
            Thread t = new Thread(() -> {
                for (int n = 0; n < perProducer; n++) {
                    queues.get(random.nextInt(members)).execute(done::countDown);
                    if (n % 97 == 0) {
                        Thread.yield(); // let the runners run dry and end, so that the next task must start one
                    }
                }
            });
            started.add(t);
            t.start();
        }
        for (Thread t : started) {
            t.join();
        }
        assertTrue(done.getCount() + " deliveries never ran", done.await(30, TimeUnit.SECONDS));
    }
}
