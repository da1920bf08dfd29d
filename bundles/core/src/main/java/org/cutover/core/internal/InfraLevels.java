package org.cutover.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.cutover.api.spi.InfraProtocol;

/**
 * The infrastructure levels this node can run right now: one entry per
 * active {@link InfraProtocol} service. Two bundles may offer the same level
 * (infra 1.0.0 and 2.0.0 side by side); the first registered serves it, and
 * the level stays until the last one goes.
 */
public final class InfraLevels {

    private final TreeMap<Integer, List<InfraProtocol>> byLevel = new TreeMap<>();
    private volatile Consumer<SortedSet<Integer>> onChange = levels -> { };

    public void onChange(Consumer<SortedSet<Integer>> listener) {
        this.onChange = listener;
    }

    public void add(InfraProtocol protocol) {
        boolean grew;
        synchronized (byLevel) {
            List<InfraProtocol> list = byLevel.computeIfAbsent(protocol.level(), l -> new ArrayList<>());
            grew = list.isEmpty();
            list.add(protocol);
        }
        if (grew) {
            onChange.accept(levels());
        }
    }

    public void remove(InfraProtocol protocol) {
        boolean shrank = false;
        synchronized (byLevel) {
            List<InfraProtocol> list = byLevel.get(protocol.level());
            if (list != null && list.remove(protocol) && list.isEmpty()) {
                byLevel.remove(protocol.level());
                shrank = true;
            }
        }
        if (shrank) {
            onChange.accept(levels());
        }
    }

    public Optional<InfraProtocol> protocol(int level) {
        synchronized (byLevel) {
            List<InfraProtocol> list = byLevel.get(level);
            return list == null || list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
        }
    }

    public SortedSet<Integer> levels() {
        synchronized (byLevel) {
            return new TreeSet<>(byLevel.keySet());
        }
    }
}
