package org.cutover.example.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.cutover.api.Delivery;
import org.cutover.api.Group;
import org.cutover.api.GroupListener;
import org.cutover.api.GroupException;
import org.cutover.api.GroupService;
import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.ReasonCode;
import org.cutover.api.RequestResult;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The store as a DS component. Activation starts a thread that joins group
 * {@value KvStore#GROUP} (a join blocks until it is delivered in the cluster's
 * order, and fails while the node has not learnt the cluster state: the thread
 * retries until it is in or the component is deactivated). Deactivation stops
 * the loader and leaves the group.
 *
 * <p>A member that joins after writes were made (or rejoins after a restart)
 * gets an existing member's map and sender counters as of its join position
 * ({@link GroupListener#stateForJoiner}), so every member's map stays the same.
 *
 * <p>Read-your-writes: the kernel's {@code Group.send} returns once the write
 * is committed in the cluster log and applied on this node in log order, so
 * {@link #put} returns then too: a {@link #get} on this node afterwards reads
 * that write or a later one.
 */
@Component(service = KvStore.class, immediate = true)
public final class KvStoreComponent implements KvStore {

    private static final System.Logger LOG = System.getLogger(KvStoreComponent.class.getName());
    static final byte[] VERIFY_REQUEST = "kv-verify/1".getBytes(StandardCharsets.US_ASCII);
    /** how long a leave or a stopping load may take at deactivation */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final GroupService groupService;
    private final AtomicBatches batches;
    private final Duration retryDelay;
    private final KvMap map = new KvMap();
    private final Loader loader = new Loader(this::put);
    private final Object sendLock = new Object();
    private final CountDownLatch closing = new CountDownLatch(1);

    private volatile Group group;
    private volatile String joinStatus = "joining";
    private long nextCounter = 1;
    private long sent;
    /** per member this store has been, its highest acknowledged counter (guarded by sendLock) */
    private final TreeMap<String, Long> acknowledged = new TreeMap<>();
    /**
     * per member, the counters of writes whose send failed without a definite answer (the cluster's NOT_CONNECTED:
     * "it may still be" applied): never used again, so a late commit cannot repeat a counter; a member that
     * misses one of them lost nothing acknowledged (guarded by sendLock)
     */
    private final TreeMap<String, TreeSet<Long>> inDoubt = new TreeMap<>();
    /**
     * the current member's counters in doubt that no acknowledged write has named yet: the next write carries
     * them, so the members count them neither lost nor late (guarded by sendLock)
     */
    private final TreeSet<Long> unannounced = new TreeSet<>();

    @Activate
    public KvStoreComponent(@Reference GroupService groupService, BundleContext context) {
        this(groupService, new RegistryBatches(context), Duration.ofSeconds(2));
    }

    public KvStoreComponent(GroupService groupService, AtomicBatches batches, Duration retryDelay) {
        this.groupService = groupService;
        this.batches = batches;
        this.retryDelay = retryDelay;
        startJoining();
    }

    private void startJoining() {
        Thread joiner = new Thread(this::joinUntilIn, "cutover-kv-join");
        joiner.setDaemon(true);
        joiner.start();
    }

    /**
     * The cluster removed this store's member (its node was cut off from the majority, or could not run the
     * group's level): it joins again, and takes the map from a member as of its new join position, as after a
     * restart. Runs off the delivery thread.
     */
    private void rejoin(Group removed, MembershipChange why) {
        synchronized (this) {
            if (group != removed || closing.getCount() == 0) {
                return;
            }
            group = null;
            joinStatus = "joining again: member " + removed.self().id() + " was removed (" + why.reason() + ")";
        }
        LOG.log(System.Logger.Level.WARNING, "member " + removed.self() + " of group " + GROUP + " was removed ("
                + why.reason() + "); joining again");
        startJoining();
    }

    private void joinUntilIn() {
        int attempt = 0;
        while (closing.getCount() > 0) {
            attempt++;
            try {
                Group g = groupService.join(GROUP, new Listener());
                synchronized (this) {
                    if (closing.getCount() == 0) {
                        leaveQuietly(g);
                        return;
                    }
                    group = g;
                    joinStatus = null;
                }
                synchronized (sendLock) {
                    nextCounter = 1; // a new member: its writes count from 1 again
                    unannounced.clear();
                }
                LOG.log(System.Logger.Level.INFO, "joined group " + GROUP + " as " + g.self() + " at level "
                        + g.level() + ", epoch " + g.epoch());
                return;
            } catch (RuntimeException e) {
                joinStatus = "joining, attempt " + attempt + " failed: " + e.getMessage();
                LOG.log(System.Logger.Level.DEBUG, "joining group " + GROUP + " failed; retrying", e);
            }
            try {
                if (closing.await(retryDelay.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Deactivate
    public void deactivate() {
        closing.countDown();
        // the load stops first: while it runs its writes need the group, and one refused would end it as FAILED
        try {
            loader.stop(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Group g;
        synchronized (this) {
            g = group;
            group = null;
            joinStatus = "the store is stopped";
        }
        if (g != null) {
            leaveQuietly(g);
        }
    }

    private static void leaveQuietly(Group g) {
        try {
            g.leave();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "leaving group " + GROUP + " failed: " + e.getMessage());
        }
    }

    private Group joined() {
        Group g = group;
        if (g == null) {
            throw new NotJoinedException(joinStatus);
        }
        return g;
    }

    // ---- KvStore ----

    @Override
    public void put(String key, String value) {
        Group g = joined();
        synchronized (sendLock) {
            // counters leave this member in the order they were given: one send at a time
            long counter = nextCounter;
            List<Long> notice = List.copyOf(unannounced);
            try {
                g.send(new Write(counter, key, value, notice).encode());
            } catch (GroupException e) {
                consumeIfInDoubt(g, e, counter, counter + 1);
                throw e;
            }
            unannounced.removeAll(notice);
            nextCounter = counter + 1;
            sent++;
            acknowledged.put(g.self().id(), counter);
        }
    }

    @Override
    public void putAll(SortedMap<String, String> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one key");
        }
        Group g = joined();
        synchronized (sendLock) {
            long counter = nextCounter;
            List<Long> notice = List.copyOf(unannounced);
            List<byte[]> writes = new ArrayList<>(entries.size());
            for (Map.Entry<String, String> e : entries.entrySet()) {
                writes.add(new Write(counter, e.getKey(), e.getValue(), counter == nextCounter ? notice : List.of())
                        .encode());
                counter++;
            }
            try {
                batches.send(g, writes);
            } catch (GroupException e) {
                consumeIfInDoubt(g, e, nextCounter, counter);
                throw e;
            }
            unannounced.removeAll(notice);
            nextCounter = counter;
            sent += writes.size();
            acknowledged.put(g.self().id(), counter - 1);
        }
    }

    /**
     * A refusal (GROUP_PARTITIONED: "nothing is sent", not a member, a function the level lacks) leaves the
     * counters free. NOT_CONNECTED (not applied in time, "it may still be") may still be applied: counters
     * {@code from} to {@code to - 1} are used up and noted as in doubt.
     */
    private void consumeIfInDoubt(Group g, GroupException e, long from, long to) {
        if (e.code() != ReasonCode.NOT_CONNECTED) {
            return;
        }
        TreeSet<Long> doubts = inDoubt.computeIfAbsent(g.self().id(), m -> new TreeSet<>());
        for (long c = from; c < to; c++) {
            doubts.add(c);
            unannounced.add(c);
        }
        nextCounter = to;
    }

    @Override
    public Optional<String> get(String key) {
        joined();
        return map.get(key);
    }

    @Override
    public int size() {
        joined();
        return map.size();
    }

    @Override
    public LoadProgress load(long count, double rate, long keys) {
        Group g = joined();
        return loader.start(g.self().node(), count, rate, keys);
    }

    @Override
    public LoadProgress stopLoad() {
        try {
            return loader.stop(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return loader.progress();
        }
    }

    @Override
    public LoadProgress loadProgress() {
        return loader.progress();
    }

    @Override
    public KvStats stats() {
        Group g = group;
        long sentNow;
        SortedMap<String, Long> acked;
        SortedMap<String, SortedSet<Long>> doubts = new TreeMap<>();
        synchronized (sendLock) {
            sentNow = sent;
            acked = new TreeMap<>(acknowledged);
            inDoubt.forEach((m, c) -> doubts.put(m, new TreeSet<>(c)));
        }
        if (g == null) {
            return new KvStats(null, joinStatus, 0, 0, 0, sentNow, map.size(), map.counters(), loader.progress(),
                    acked, doubts, map.highestBySender(), map.missingBySender());
        }
        return new KvStats(g.self().id(), null, g.level(), g.epoch(), g.members().size(), sentNow, map.size(),
                map.counters(), loader.progress(), acked, doubts, map.highestBySender(), map.missingBySender());
    }

    @Override
    public VerifyReport verify(Duration timeout) throws TimeoutException, InterruptedException {
        Group g = joined();
        int level = g.level();
        long epoch = g.epoch();
        RequestResult result;
        try {
            // throws FunctionUnavailableException at once when the level lacks requests to all members
            result = g.request(VERIFY_REQUEST, timeout).toCompletableFuture()
                    .get(timeout.toMillis() + CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("the verify request failed: " + cause, cause);
        }
        Map<Member, MapDigest> digests = new HashMap<>();
        Map<Member, String> unreadable = new HashMap<>();
        result.replies().forEach((member, reply) -> {
            try {
                digests.put(member, MapDigest.decode(reply));
            } catch (IllegalArgumentException e) {
                unreadable.put(member, e.getMessage());
            }
        });
        return new VerifyReport(level, epoch, digests, unreadable, result.timedOut());
    }

    /** applies the group's ordered stream to the map; called on Cutover's delivery thread */
    private final class Listener implements GroupListener {

        @Override
        public void onMessage(Delivery delivery) {
            if (!GROUP.equals(delivery.group())) {
                return;
            }
            Write write;
            try {
                write = Write.decode(delivery.payload());
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "message " + delivery.sequence() + " from "
                        + delivery.sender() + " is not a write: " + e.getMessage());
                map.reject(delivery.sequence());
                return;
            }
            map.apply(delivery.sender().id(), delivery.sequence(), write);
        }

        @Override
        public byte[] onRequest(Delivery request) {
            if (Arrays.equals(request.payload(), VERIFY_REQUEST)) {
                return map.digest().encode();
            }
            return new byte[0];
        }

        @Override
        public byte[] stateForJoiner() {
            return map.state();
        }

        @Override
        public void restoreState(byte[] state) {
            map.restore(state);
        }

        @Override
        public void onMembershipChange(MembershipChange change) {
            LOG.log(System.Logger.Level.INFO, "group " + change.group() + ": " + change.reason() + " "
                    + change.members() + " level " + change.fromLevel() + " -> " + change.toLevel() + ", epoch "
                    + change.epoch());
            Group g = group;
            if (g != null && (change.reason() == MembershipChange.Reason.FAILURE
                    || change.reason() == MembershipChange.Reason.NODE_INCAPABLE)
                    && change.members().contains(g.self())) {
                Thread t = new Thread(() -> rejoin(g, change), "cutover-kv-rejoin");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    /** for tests: waits until the join is in, or the deadline passes */
    boolean awaitJoined(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (group == null) {
            if (System.nanoTime() > deadline || closing.getCount() == 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
