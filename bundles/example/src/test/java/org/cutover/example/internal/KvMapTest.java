package org.cutover.example.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import java.util.Optional;

import org.junit.Test;

public class KvMapTest {

    private static long seq;

    private static void put(KvMap map, String sender, long counter, String key, String value) {
        map.apply(sender, ++seq, new Write(counter, key, value));
    }

    @Test
    public void sameWritesInSameOrderGiveSameDigest() {
        KvMap a = new KvMap();
        KvMap b = new KvMap();
        for (KvMap m : new KvMap[] {a, b}) {
            m.apply("n1#1", 1, new Write(1, "x", "1"));
            m.apply("n2#1", 2, new Write(1, "y", "2"));
            m.apply("n1#1", 4, new Write(2, "x", "3"));
        }
        assertEquals(a.digest(), b.digest());
        assertEquals(2, a.digest().entries());
        assertEquals(Optional.of("3"), a.get("x"));
    }

    @Test
    public void aJoinerRestoredFromStateContinuesLikeTheGiver() {
        KvMap giver = new KvMap();
        put(giver, "n1#1", 1, "a", "1");
        put(giver, "n1#1", 2, "b", "2");
        KvMap joiner = new KvMap();
        joiner.restore(giver.state());
        assertEquals("the positions came with the state", giver.digest(), joiner.digest());
        giver.apply("n1#1", 100, new Write(3, "c", "3"));
        joiner.apply("n1#1", 100, new Write(3, "c", "3"));
        assertEquals(giver.digest(), joiner.digest());
        assertEquals("the sender's counter came with the state: nothing counted lost", 0, joiner.counters().lost());
        assertThrows(IllegalArgumentException.class, () -> new KvMap().restore(new byte[] {0, 0, 0, 9}));
    }

    @Test
    public void theSameKeysAndPositionsPutInAnotherKeyOrderGiveSameDigest() {
        KvMap a = new KvMap();
        a.apply("n1#1", 1, new Write(1, "b", "2"));
        a.apply("n1#1", 2, new Write(2, "a", "1"));
        KvMap b = new KvMap();
        b.apply("n2#1", 2, new Write(1, "a", "1"));
        b.apply("n2#1", 1, new Write(2, "b", "2"));
        assertEquals(a.digest(), b.digest());
    }

    @Test
    public void theSameWritesAppliedInAnotherOrderDifferEvenWithTheSameValues() {
        Write first = new Write(1, "x", "v");
        Write second = new Write(1, "x", "v");
        Write third = new Write(2, "y", "1");
        KvMap inOrder = new KvMap();
        inOrder.apply("n1#1", 1, first);
        inOrder.apply("n2#1", 2, second);
        inOrder.apply("n1#1", 3, third);
        KvMap swapped = new KvMap();
        swapped.apply("n2#1", 2, second);
        swapped.apply("n1#1", 1, first);
        swapped.apply("n1#1", 3, third);
        assertEquals(inOrder.get("x"), swapped.get("x"));
        assertEquals(inOrder.get("y"), swapped.get("y"));
        assertNotEquals("x was last set by the write at 2 in one, at 1 in the other", inOrder.digest(),
                swapped.digest());
    }

    @Test
    public void aValueSetByAnotherWriteGivesAnotherDigest() {
        KvMap a = new KvMap();
        a.apply("n1#1", 5, new Write(1, "x", "v"));
        KvMap b = new KvMap();
        b.apply("n1#1", 6, new Write(1, "x", "v"));
        assertNotEquals(a.digest(), b.digest());
    }

    @Test
    public void aStateWithoutPositionsIsRestoredWithPositionZero() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(1);                    // the older state: entry count first, no positions
            out.writeInt(1);
            out.write('x');
            out.writeInt(1);
            out.write('v');
            out.writeInt(0);                    // no senders
        }
        KvMap restored = new KvMap();
        restored.restore(bytes.toByteArray());
        assertEquals(Optional.of("v"), restored.get("x"));
        KvMap atZero = new KvMap();
        atZero.apply("n1#1", 0, new Write(1, "x", "v"));
        assertEquals(atZero.digest(), restored.digest());
    }

    @Test
    public void differentMapsHaveDifferentDigests() {
        KvMap base = new KvMap();
        put(base, "n1#1", 1, "a", "1");
        KvMap otherValue = new KvMap();
        put(otherValue, "n1#1", 1, "a", "2");
        KvMap otherKey = new KvMap();
        put(otherKey, "n1#1", 1, "b", "1");
        KvMap extra = new KvMap();
        put(extra, "n1#1", 1, "a", "1");
        put(extra, "n1#1", 2, "c", "");
        assertNotEquals(base.digest(), otherValue.digest());
        assertNotEquals(base.digest(), otherKey.digest());
        assertNotEquals(base.digest(), extra.digest());
        assertEquals(2, extra.digest().entries());
    }

    @Test
    public void keyAndValueBoundariesAreNotAmbiguous() {
        // "a=" + "b" and "a" + "=b" would both be the line "a==b" in a naive key=value digest
        KvMap one = new KvMap();
        put(one, "n1#1", 1, "a=", "b");
        KvMap two = new KvMap();
        put(two, "n1#1", 1, "a", "=b");
        assertNotEquals(one.digest().hex(), two.digest().hex());
    }

    @Test
    public void countersRevealLossDuplicationAndReordering() {
        KvMap m = new KvMap();
        put(m, "n1#1", 1, "k", "1");
        put(m, "n1#1", 2, "k", "2");
        put(m, "n1#1", 5, "k", "5");             // 3 and 4 skipped
        assertEquals(new ApplyCounters(3, seq, 2, 0, 0, 0, m.counters().chain()), m.counters());
        put(m, "n1#1", 3, "k", "3");             // late: reordered, no longer lost
        assertEquals(new ApplyCounters(4, seq, 1, 0, 1, 0, m.counters().chain()), m.counters());
        put(m, "n1#1", 3, "k", "3");             // again: duplicated
        put(m, "n1#1", 5, "k", "5");             // again: duplicated
        assertEquals(new ApplyCounters(6, seq, 1, 2, 1, 0, m.counters().chain()), m.counters());
        put(m, "n2#1", 1, "j", "1");             // another sender has its own counter
        put(m, "n2#1", 2, "j", "2");
        assertEquals(new ApplyCounters(8, seq, 1, 2, 1, 0, m.counters().chain()), m.counters());
        // every write was applied in delivery order, whatever its counter said
        assertEquals(Optional.of("5"), m.get("k"));
    }

    @Test
    public void aMessageThatIsNotAWriteIsCountedAndNotApplied() {
        KvMap m = new KvMap();
        put(m, "n1#1", 1, "k", "1");
        m.reject(++seq);
        assertEquals(new ApplyCounters(1, seq, 0, 0, 0, 1, m.counters().chain()), m.counters());
        assertEquals(1, m.size());
    }

    /** the same messages at the same positions: the same chain; one message more, less or moved: another */
    @Test
    public void theDeliveryChainCoversEveryMessageAndItsPosition() {
        KvMap a = new KvMap();
        KvMap b = new KvMap();
        seq = 0;
        put(a, "n1#1", 1, "k", "1");
        a.reject(seq + 1);
        long rejectedAt = seq + 1;
        seq = 0;
        put(b, "n1#1", 1, "k", "1");
        b.reject(rejectedAt);
        assertEquals(a.counters(), b.counters());

        KvMap c = new KvMap();
        seq = 0;
        put(c, "n1#1", 1, "k", "1");
        c.reject(rejectedAt + 1);    // the same messages, the second one a position later
        assertNotEquals(a.counters().chain(), c.counters().chain());

        KvMap d = new KvMap();
        seq = 0;
        put(d, "n2#1", 1, "k", "1"); // the same write from another sender
        d.reject(rejectedAt);
        assertNotEquals(a.counters().chain(), d.counters().chain());
    }

    /** a joiner takes the giver's chain and last position: both continue alike */
    @Test
    public void aJoinerContinuesTheGiversChain() {
        KvMap giver = new KvMap();
        put(giver, "n1#1", 1, "k", "1");
        put(giver, "n1#1", 2, "j", "2");
        KvMap joiner = new KvMap();
        joiner.restore(giver.state());
        assertEquals(giver.counters().chain(), joiner.counters().chain());
        assertEquals(giver.counters().lastSequence(), joiner.counters().lastSequence());
        long next = ++seq;
        giver.apply("n2#1", next, new Write(1, "x", "y"));
        joiner.apply("n2#1", next, new Write(1, "x", "y"));
        assertEquals(giver.counters().chain(), joiner.counters().chain());
    }

    @Test
    public void writesAndDigestsSurviveTheWire() {
        Write w = new Write(42, "clé", "välue\nwith=newline");
        assertEquals(w, Write.decode(w.encode()));
        assertThrows(IllegalArgumentException.class, () -> Write.decode(new byte[] {9, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Write.decode(new byte[] {Write.FORMAT, 1}));
        MapDigest d = new KvMap().digest();
        assertEquals(d, MapDigest.decode(d.encode()));
        assertArrayEquals(d.sha256(), MapDigest.decode(d.encode()).sha256());
        assertThrows(IllegalArgumentException.class, () -> MapDigest.decode(new byte[0]));
    }

    /** a counter named in doubt is neither lost if it never comes nor late if it comes after the notice */
    @Test
    public void countersNamedInDoubtAreNeitherLostNorLate() {
        KvMap m = new KvMap();
        seq = 0;
        put(m, "n1#1", 1, "k", "1");
        m.apply("n1#1", ++seq, new Write(4, "k", "4", List.of(2L, 3L)));
        assertEquals("2 and 3 skipped, both in doubt", 0, m.counters().lost());
        m.apply("n1#1", ++seq, new Write(2, "k", "2"));
        assertEquals("2 came after all", 0, m.counters().reordered());
        assertEquals(0, m.counters().duplicated());
        m.apply("n1#1", ++seq, new Write(2, "k", "2"));
        assertEquals("a second copy of it is a duplicate", 1, m.counters().duplicated());
        m.apply("n1#1", ++seq, new Write(7, "k", "7", List.of(1L, 5L)));
        assertEquals("1 had come: naming it excuses nothing; 6 is lost", 1, m.counters().lost());
        assertEquals(java.util.Map.of("n1#1", new java.util.TreeSet<>(List.of(6L))), m.missingBySender());
    }

    @Test
    public void aWriteWithCountersInDoubtSurvivesTheWireAndAPlainOneKeepsFormatOne() {
        Write w = new Write(9, "k", "v", List.of(7L, 8L));
        assertEquals(w, Write.decode(w.encode()));
        assertEquals(Write.FORMAT_WITH_DOUBTS, w.encode()[0]);
        assertEquals(Write.FORMAT, new Write(9, "k", "v").encode()[0]);
        byte[] bad = w.encode();
        bad[bad.length - 20] = 0x7f; // the count of counters in doubt far beyond the bytes left
        assertThrows(IllegalArgumentException.class, () -> Write.decode(bad));
    }
}
