package org.cutover.core.internal.state;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.cutover.api.ReasonCode;
import org.cutover.core.internal.wire.Envelope.*;
import org.junit.Test;

public class StateStoreTest {

    private static ClusterState sample() {
        ClusterState s = new ClusterState();
        s.hello(new Hello("node1", "u1", "127.0.0.1:1", new TreeSet<>(List.of(1, 2)), Map.of(), List.of(), true, 0));
        s.hello(new Hello("node2", "u2", "127.0.0.1:2", new TreeSet<>(List.of(1, 2)), Map.of(), List.of(), true, 0));
        s.join(new Join("kv", "node1#1", "node1"));
        s.adjust(new Adjust("r1", "node2", 1, List.of(new GroupVersion("kv", 2, 1)), 1000L));
        s.adjustDone(new AdjustDone("r1", 250, "APPLIED"));
        return s;
    }

    @Test
    public void savedStateLoadsBackIdentically() throws IOException {
        Path file = Path.of("target", "state-store-test", "ok.bin");
        StateStore store = new StateStore(file);
        ClusterState s = sample();
        store.save(s);
        ClusterState back = store.load().orElseThrow();
        assertArrayEquals(StateStore.encode(s), StateStore.encode(back));
        assertEquals(1, back.group("kv").orElseThrow().level());
        assertEquals(1, back.history(Optional.empty()).size());
    }

    @Test
    public void aDamagedFileIsRefusedWithAMessageThatSaysWhatToDo() throws IOException {
        Path file = Path.of("target", "state-store-test", "bad.bin");
        StateStore store = new StateStore(file);
        store.save(sample());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, store::load);
        assertTrue(e.getMessage(), e.getMessage().contains("checksum") && e.getMessage().contains("delete it"));
        Files.write(file, java.util.Arrays.copyOf(bytes, 7));
        assertThrows(IOException.class, store::load);
    }

    @Test
    public void replicasApplyingTheSameSequenceEndEqual() {
        ClusterState a = sample();
        ClusterState b = sample();
        assertArrayEquals(StateStore.encode(a), StateStore.encode(b));
        // a stale adjust (old epoch) is refused the same way on both
        Adjust stale = new Adjust("r2", "node1", 2, List.of(new GroupVersion("kv", 2, 1)), 2000L);
        assertEquals(ReasonCode.CONCURRENT_ADJUST, a.adjust(stale).refused());
        assertEquals(ReasonCode.CONCURRENT_ADJUST, b.adjust(stale).refused());
        assertArrayEquals(StateStore.encode(a), StateStore.encode(b));
    }

    @Test
    public void aSwitchSavedOnlyInTheLevelsFileIsNotLost() throws IOException {
        Path file = Path.of("target", "state-store-test", "levels.bin");
        Files.deleteIfExists(file.resolveSibling("levels.bin.levels"));
        StateStore store = new StateStore(file);
        ClusterState s = sample();
        store.save(s);
        // the switch to level 1 at epoch 2 reached the small file; the replica's own save had not happened yet
        store.saveLevels(List.of(new GroupVersion("kv", 1, 2), new GroupVersion("new", 2, 3)));
        ClusterState back = store.load().orElseThrow();
        assertEquals(2, back.group("kv").orElseThrow().epoch());
        assertEquals(1, back.group("kv").orElseThrow().level());
        assertEquals(2, back.group("new").orElseThrow().level());
        // an older levels file never takes a group back
        store.saveLevels(List.of(new GroupVersion("kv", 2, 1)));
        store.save(back);
        assertEquals(1, store.load().orElseThrow().group("kv").orElseThrow().level());
    }

    /** a levels file with level 0 (checksum intact) would move every member of the group to no level */
    @Test
    public void aLevelsFileWithoutALevelIsRefused() throws IOException {
        Path file = Path.of("target", "state-store-test", "zerolevel.bin");
        StateStore store = new StateStore(file);
        store.save(sample());
        store.saveLevels(List.of(new GroupVersion("kv", 0, 9)));
        IOException e = assertThrows(IOException.class, store::load);
        assertTrue(e.getMessage(), e.getMessage().contains("level 0"));
    }

    @Test
    public void aDamagedLevelsFileIsRefusedToo() throws IOException {
        Path file = Path.of("target", "state-store-test", "badlevels.bin");
        StateStore store = new StateStore(file);
        store.save(sample());
        store.saveLevels(List.of(new GroupVersion("kv", 2, 9)));
        Path levels = file.resolveSibling("badlevels.bin.levels");
        byte[] bytes = Files.readAllBytes(levels);
        bytes[5] ^= 0x01;
        Files.write(levels, bytes);
        IOException e = assertThrows(IOException.class, store::load);
        assertTrue(e.getMessage(), e.getMessage().contains("badlevels.bin.levels") && e.getMessage().contains("checksum"));
    }
}
