package org.cutover.example.internal.commands;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.Member;
import org.cutover.example.internal.FakeBus;
import org.cutover.example.internal.KvStore;
import org.cutover.example.internal.KvStoreComponent;
import org.cutover.example.internal.LoadProgress;
import org.cutover.example.internal.Writes;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** Runs the kv commands against real stores on a fake ordered bus, reading what they print. */
public class CommandsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final FakeBus bus = new FakeBus();
    private final List<KvStoreComponent> stores = new ArrayList<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private PrintStream console;

    @Before
    public void capturePrinting() {
        console = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @After
    public void restore() {
        System.setOut(console);
        stores.forEach(KvStoreComponent::deactivate);
    }

    private String printed() {
        String s = printed.toString(StandardCharsets.UTF_8);
        printed.reset();
        return s;
    }

    private KvStoreComponent store(FakeBus.FakeGroupService node, boolean awaitJoin) throws InterruptedException {
        KvStoreComponent s = new KvStoreComponent(node, bus.batches(), java.time.Duration.ofSeconds(2));
        stores.add(s);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (awaitJoin && !s.stats().joined()) {
            assertTrue("joined within " + DEADLINE, System.nanoTime() < deadline);
            Thread.sleep(5);
        }
        return s;
    }

    private KvStoreComponent joined(String node) throws InterruptedException {
        return store(bus.node(node), true);
    }

    private static PutCommand put(KvStore store, String key, String value) {
        PutCommand c = new PutCommand();
        c.store = store;
        c.key = key;
        c.value = value;
        return c;
    }

    private static VerifyCommand verify(KvStore store) {
        VerifyCommand c = new VerifyCommand();
        c.store = store;
        return c;
    }

    @Test
    public void putThenGetAndSizeOnAnotherMember() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        put(a, "colour", "red").execute();
        assertEquals("sent colour\n", printed());
        GetCommand get = new GetCommand();
        get.store = b;
        get.key = "colour";
        get.execute();
        assertEquals("red\n", printed());
        SizeCommand size = new SizeCommand();
        size.store = b;
        size.execute();
        assertEquals("1\n", printed());
        get.key = "shape";
        CommandException e = assertThrows(CommandException.class, get::execute);
        assertEquals("kv:get: no key 'shape' in group kv on this node", e.getMessage());
    }

    @Test
    public void putAllSendsOneBatchAtLevelThreeAndSaysWhyNotBelow() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        PutAllCommand putAll = new PutAllCommand();
        putAll.store = a;
        putAll.entries = List.of("a=1", "b=x=y", "a=2");
        CommandException refused = assertThrows(CommandException.class, putAll::execute);
        assertEquals("kv:put-all: FUNCTION_UNAVAILABLE: group kv is at level 2, which does not bring the function 'atomic-batch'; adjust"
                + " the group to a level that does", refused.getMessage());
        bus.level = 3;
        putAll.execute();
        assertEquals("sent 2 keys as one batch\n", printed());
        assertEquals(java.util.Optional.of("2"), b.get("a"));
        assertEquals(java.util.Optional.of("x=y"), b.get("b"));
        putAll.entries = List.of("novalue");
        assertEquals("kv:put-all: 'novalue' is not key=value",
                assertThrows(CommandException.class, putAll::execute).getMessage());
    }

    @Test
    public void commandsSayNotJoinedYetUntilTheJoinIsIn() throws Exception {
        FakeBus.FakeGroupService node = bus.node("node1");
        node.gate = new CountDownLatch(1);
        KvStoreComponent a = store(node, false);
        CommandException e = assertThrows(CommandException.class, put(a, "k", "v")::execute);
        assertEquals("kv:put: group kv not joined yet on this node: joining", e.getMessage());
        assertThrows(CommandException.class, verify(a)::execute);
        StatsCommand stats = new StatsCommand();
        stats.store = a;
        stats.execute();
        assertTrue(printed().startsWith("group:         kv not joined yet (joining)\n"));
        node.gate.countDown();
    }

    @Test
    public void verifyAtLevelOneFailsNamingTheLevel() throws Exception {
        bus.level = 1;
        KvStoreComponent a = joined("node1");
        CommandException e = assertThrows(CommandException.class, verify(a)::execute);
        assertEquals("kv:verify needs infrastructure level 2 (request to all members); group kv is at level 1;"
                + " adjust it with cluster:version-adjust --to 2 kv (FUNCTION_UNAVAILABLE: group kv is at level 1,"
                + " which does not offer REQUEST_ALL; adjust the group to a level that does)", e.getMessage());
        assertEquals("", printed());
    }

    @Test
    public void verifyPrintsEveryMembersDigestAndFailsWhenTheyDiffer() throws Exception {
        KvStoreComponent a = joined("node1");
        joined("node2");
        put(a, "k", "v").execute();
        printed();
        verify(a).execute();
        String[] lines = printed().split("\n");
        assertEquals(4, lines.length);
        assertEquals("group kv at level 2, epoch 1:", lines[0]);
        assertTrue(lines[1], lines[1].matches("  node1#1  1 entries  sha256 [0-9a-f]{64}"));
        assertTrue(lines[2], lines[2].matches("  node2#2  1 entries  sha256 [0-9a-f]{64}"));
        assertEquals(lines[1].substring(9), lines[2].substring(9));
        assertEquals("all 2 members agree", lines[3]);

        Member second = bus.members().get(1);
        bus.sendOnlyTo(second, second, Writes.encode(1, "k", "other"));
        CommandException e = assertThrows(CommandException.class, verify(a)::execute);
        assertEquals("kv:verify: the members of group kv disagree: 2 different digests among 2 members",
                e.getMessage());
    }

    @Test
    public void verifyOfEmptyMapsSaysThereIsNothingToCompareAndFails() throws Exception {
        KvStoreComponent a = joined("node1");
        joined("node2");
        CommandException e = assertThrows(CommandException.class, verify(a)::execute);
        assertEquals("kv:verify: all 2 members have an empty map: nothing to compare", e.getMessage());
        String[] lines = printed().split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[1], lines[1].matches("  node1#1  0 entries  sha256 [0-9a-f]{64}"));
        assertTrue(lines[2], lines[2].matches("  node2#2  0 entries  sha256 [0-9a-f]{64}"));
        assertFalse(a.verify(DEADLINE).agreed());

        put(a, "k", "v").execute();
        printed();
        verify(a).execute();
        assertTrue(printed().endsWith("all 2 members agree\n"));
    }

    @Test
    public void verifyFailsWhenAMemberAppliedTheSameWritesInAnotherOrder() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        bus.swapNextTwoFor(bus.members().get(1));
        put(a, "k", "same").execute();
        put(b, "k", "same").execute();
        assertEquals(a.get("k"), b.get("k"));
        printed();
        CommandException e = assertThrows(CommandException.class, verify(a)::execute);
        assertEquals("kv:verify: the members of group kv disagree: 2 different digests among 2 members",
                e.getMessage());
    }

    @Test
    public void loadStartsInTheBackgroundRefusesASecondAndStops() throws Exception {
        KvStoreComponent a = joined("node1");
        LoadCommand load = new LoadCommand();
        load.store = a;
        load.count = "1000000";
        load.rate = "50";
        load.execute();
        assertEquals("load started: 1000000 writes over shared keys k1..k1000, limit 50/s; follow it with kv:stats\n",
                printed());
        CommandException busy = assertThrows(CommandException.class, load::execute);
        assertTrue(busy.getMessage(), busy.getMessage().startsWith("kv:load: a load is already running ("));

        LoadCommand stop = new LoadCommand();
        stop.store = a;
        stop.stop = true;
        stop.execute();
        assertTrue(printed().startsWith("load: stopped, "));
        assertEquals(LoadProgress.State.STOPPED, a.loadProgress().state());
    }

    @Test
    public void loadWritesSharedKeysOrUniqueOnes() throws Exception {
        KvStoreComponent a = joined("node1");
        LoadCommand load = new LoadCommand();
        load.store = a;
        load.count = "3";
        load.keys = "2";
        load.execute();
        assertEquals("load started: 3 writes over shared keys k1..k2, limit none; follow it with kv:stats\n",
                printed());
        awaitLoadEnd(a);
        assertEquals(2, a.size());
        assertEquals(java.util.Optional.of("node1-3"), a.get("k1"));

        load.keys = null;
        load.unique = true;
        load.execute();
        assertEquals("load started: 3 keys, limit none; follow it with kv:stats\n", printed());
        awaitLoadEnd(a);
        assertEquals(5, a.size());
        assertEquals(java.util.Optional.of("value-3"), a.get("load-node1-3"));
    }

    private static void awaitLoadEnd(KvStore store) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (store.loadProgress().state() == LoadProgress.State.RUNNING) {
            assertTrue("the load ended within " + DEADLINE, System.nanoTime() < deadline);
            Thread.sleep(5);
        }
    }

    @Test
    public void loadRefusesBadArguments() {
        LoadCommand load = new LoadCommand();
        CommandException e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --count N is required (or --stop)", e.getMessage());
        load.count = "0";
        e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --count must be a whole number of 1 or more, not '0'", e.getMessage());
        load.count = "10";
        load.rate = "fast";
        e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --rate must be a number of writes a second above 0, not 'fast'", e.getMessage());
        load.rate = null;
        load.keys = "none";
        e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --keys must be a whole number of 1 or more, not 'none'", e.getMessage());
        load.keys = "0";
        e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --keys must be a whole number of 1 or more, not '0'", e.getMessage());
        load.unique = true;
        e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --unique and --keys exclude each other", e.getMessage());
        load.count = null;
        load.keys = null;
        load.stop = true;
        e = assertThrows(CommandException.class, load::execute);
        assertEquals("kv:load: --stop takes no --count, --rate, --keys or --unique", e.getMessage());
    }

    @Test
    public void statsPrintsTheCountersLevelAndEpoch() throws Exception {
        KvStoreComponent a = joined("node1");
        joined("node2");
        put(a, "k", "1").execute();
        put(a, "k", "2").execute();
        printed();
        StatsCommand stats = new StatsCommand();
        stats.store = a;
        stats.execute();
        assertEquals(String.join("\n",
                "group:         kv as node1#1, level 2, epoch 1, 2 members",
                "entries:       1",
                "sent:          2",
                "applied:       2",
                "last sequence: 2",
                "chain:         " + a.stats().counters().chain(),
                "lost:          0",
                "duplicated:    0",
                "reordered:     0",
                "load:          none") + "\n", printed());
    }

    /** --senders: what each member had acknowledged, and what every member delivered of each sender */
    @Test
    public void statsWithSendersShowsAcknowledgedAndDeliveredCounters() throws Exception {
        KvStoreComponent a = joined("node1");
        KvStoreComponent b = joined("node2");
        put(a, "k", "1").execute();
        put(a, "k", "2").execute();
        put(b, "j", "1").execute();
        printed();
        StatsCommand stats = new StatsCommand();
        stats.store = b;
        stats.senders = true;
        stats.execute();
        String out = printed();
        String memberA = a.stats().member();
        String memberB = b.stats().member();
        assertTrue(out, out.endsWith("load:          none\n"
                + "acknowledged " + memberB + ": 1\n"
                + "delivered " + memberA + ": 2\n"
                + "delivered " + memberB + ": 1\n"));
    }
}
