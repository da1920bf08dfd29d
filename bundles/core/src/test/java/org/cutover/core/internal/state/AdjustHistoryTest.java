package org.cutover.core.internal.state;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.cutover.api.version.AdjustRecord;
import org.junit.Test;

public class AdjustHistoryTest {

    private static AdjustRecord adjust(long atMillis, String... groups) {
        return new AdjustRecord(Instant.ofEpochMilli(atMillis), "n1", List.of(groups), 1, 2, 2, null, "APPLIED");
    }

    @Test
    public void everyReplicaKeepsTheSameNewestEntries() {
        AdjustHistory h = new AdjustHistory();
        for (int i = 0; i < AdjustHistory.MAX + 3; i++) {
            h.record("r" + i, adjust(i, "g"));
        }
        List<AdjustRecord> all = h.list(Optional.empty());
        assertEquals(AdjustHistory.MAX, all.size());
        assertEquals(Instant.ofEpochMilli(3), all.get(0).when());
        assertFalse("the oldest went", h.applied("r2"));
        assertTrue(h.applied("r3"));
    }

    /** a snapshot or an imported file with more entries than any replica keeps was not written by Cutover */
    @Test
    public void aHistoryLongerThanEveryReplicaKeepsIsRefused() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(AdjustHistory.MAX + 1);
            for (int i = 0; i <= AdjustHistory.MAX; i++) {
                out.writeUTF("r" + i);
                out.writeLong(i);
                out.writeUTF("n1");
                out.writeInt(0);
                out.writeInt(1);
                out.writeInt(2);
                out.writeLong(2);
                out.writeLong(-1);
                out.writeUTF("APPLIED");
            }
        }
        IOException e = org.junit.Assert.assertThrows(IOException.class,
                () -> new AdjustHistory().importFrom(bytes.toByteArray(), "n1"));
        assertTrue(e.getMessage(), e.getMessage().contains("at most " + AdjustHistory.MAX));
    }

    @Test
    public void theAskersReportCompletesItsEntry() {
        AdjustHistory h = new AdjustHistory();
        h.record("r1", adjust(1, "g"));
        h.record("r2", adjust(2, "h"));
        h.done("r1", Duration.ofMillis(3), "INCOMPLETE");
        h.done("unknown", Duration.ofMillis(9), "APPLIED");
        AdjustRecord r1 = h.list(Optional.of("g")).get(0);
        assertEquals(Duration.ofMillis(3), r1.duration());
        assertEquals("INCOMPLETE", r1.outcome());
        assertEquals(List.of(adjust(2, "h")), h.list(Optional.of("h")));
    }

    @Test
    public void anImportAddsWhatIsMissingInTimeOrderAndTheEncodingRoundTrips() throws IOException {
        AdjustHistory old = new AdjustHistory();
        old.record("a", adjust(10, "g"));
        old.record("b", adjust(30, "g"));
        AdjustHistory h = new AdjustHistory();
        h.record("b", adjust(30, "g"));
        h.record("c", adjust(20, "h"));
        assertEquals(1, h.importFrom(old.bytes(), "n9"));
        AdjustRecord a = adjust(10, "g");
        assertEquals(List.of(new AdjustRecord(a.when(), a.requestedBy(), a.groups(), a.fromLevel(), a.toLevel(),
                a.epoch(), a.duration(), a.outcome() + " (imported from n9)"), adjust(20, "h"), adjust(30, "g")),
                h.list(Optional.empty()));

        AdjustHistory copy = new AdjustHistory();
        copy.readFrom(new DataInputStream(new ByteArrayInputStream(h.bytes())));
        assertEquals(h.list(Optional.empty()), copy.list(Optional.empty()));
        assertTrue(copy.applied("a") && copy.applied("b") && copy.applied("c"));
    }

    /**
     * A node with a valid certificate imports a "pre-log history" of {@value AdjustHistory#MAX} entries dated in
     * the future: before, they pushed every record of the log out on every node. Now an import only fills the
     * room left, marked with the node that brought it, and drops nothing.
     */
    @Test
    public void anImportCannotPushRecordsOfTheLogOut() throws IOException {
        AdjustHistory forged = new AdjustHistory();
        for (int i = 0; i < AdjustHistory.MAX; i++) {
            forged.record("forged-" + i, new AdjustRecord(Instant.parse("2099-01-01T00:00:00Z").plusSeconds(i),
                    "ada@node1", List.of("g"), 2, 1, 1000 + i, null, "APPLIED"));
        }
        AdjustHistory h = new AdjustHistory();
        for (int i = 0; i < 3; i++) {
            h.record("real-" + i, adjust(i + 1, "g"));
        }
        assertEquals(AdjustHistory.MAX - 3, h.importFrom(forged.bytes(), "node3"));
        for (int i = 0; i < 3; i++) {
            assertTrue("real-" + i + " kept", h.applied("real-" + i));
        }
        assertEquals(AdjustHistory.MAX, h.list(Optional.empty()).size());
        assertTrue(h.list(Optional.empty()).stream().filter(r -> r.when().getEpochSecond() > 4_000_000_000L)
                .allMatch(r -> r.outcome().endsWith("(imported from node3)")));
        assertEquals("a full history takes nothing", 0, h.importFrom(forged.bytes(), "node3"));
    }
}
