package org.cutover.core.internal.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.NodeProgress;
import org.cutover.api.version.UpgradeStatus.Phase;
import org.cutover.api.version.UpgradeStatus.State;

/**
 * One cluster-wide upgrade, part of the replicated state: the feature, the nodes in the order they install, and
 * each node's phase as the node reported it in the log. Whose turn it is and when it is over are decided from this
 * record and the defined nodes alone, so every replica agrees. A node that is no longer defined (removed) neither
 * blocks the nodes after it nor the end.
 */
final class Rollout {

    /** the longest detail kept from a node's report */
    static final int MAX_DETAIL = 1_000;
    static final int MAX_PARALLEL = 64;

    private static final class Part {
        Phase phase = Phase.WAITING;
        String detail = "";
        long atMillis;
    }

    final String id;
    final String feature;
    final int parallel;
    final boolean dryRun;
    final boolean retire;
    final String startedBy;
    final long startedAtMillis;
    State state = State.RUNNING;
    String endedBy = "";
    /** node → its part, in install order */
    private final LinkedHashMap<String, Part> parts = new LinkedHashMap<>();

    Rollout(String id, String feature, int parallel, boolean dryRun, boolean retire, String startedBy,
            long startedAtMillis, List<String> order) {
        this.id = id;
        this.feature = feature;
        this.parallel = parallel;
        this.dryRun = dryRun;
        this.retire = retire;
        this.startedBy = startedBy;
        this.startedAtMillis = startedAtMillis;
        for (String node : order) {
            Part p = new Part();
            p.atMillis = startedAtMillis;
            parts.put(node, p);
        }
    }

    /** what the history calls it: UPGRADE or RETIRE, with _DRY_RUN for a simulation */
    String label() {
        return (retire ? "RETIRE" : "UPGRADE") + (dryRun ? "_DRY_RUN" : "");
    }

    boolean includes(String node) {
        return parts.containsKey(node);
    }

    Phase phaseOf(String node) {
        return parts.get(node).phase;
    }

    /**
     * whether {@code node} may start now: the rollout runs, the node waits, and fewer than {@code parallel} of the
     * defined nodes before it are not yet done
     */
    boolean turnOf(String node, Set<String> defined) {
        Part mine = parts.get(node);
        if (state != State.RUNNING || mine == null || mine.phase != Phase.WAITING) {
            return false;
        }
        int pending = 0;
        for (Map.Entry<String, Part> e : parts.entrySet()) {
            if (e.getKey().equals(node)) {
                return pending < parallel;
            }
            if (defined.contains(e.getKey()) && !done(e.getValue().phase)) {
                pending++;
            }
        }
        return false;
    }

    /** @return null when applied, else why not */
    String report(String node, Phase phase, String detail, long atMillis, Set<String> defined) {
        Part p = parts.get(node);
        if (p == null) {
            return "node " + node + " is not part of upgrade " + id;
        }
        switch (phase) {
            case INSTALLING -> {
                if (!turnOf(node, defined)) {
                    return "it is not node " + node + "'s turn in upgrade " + id + " (" + state + ", " + p.phase + ")";
                }
            }
            case CAPABLE, SIMULATED, FAILED -> {
                // a node that was installing when the upgrade was aborted still says how it ended
                if (p.phase != Phase.INSTALLING) {
                    return "node " + node + " reports " + phase + " in upgrade " + id + " without installing";
                }
                if (phase == Phase.SIMULATED && !dryRun || phase == Phase.CAPABLE && dryRun) {
                    return "node " + node + " reports " + phase + " in " + (dryRun ? "a dry run" : "an upgrade");
                }
            }
            default -> {
                return "node " + node + " cannot report " + phase;
            }
        }
        p.phase = phase;
        p.detail = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
        p.atMillis = atMillis;
        settle(defined);
        return null;
    }

    /**
     * A failure ends an upgrade at once (no node starts after it); a dry run ends once every defined node has
     * answered, so that its report names every node that cannot. Every defined node done ends either.
     */
    void settle(Set<String> defined) {
        if (state != State.RUNNING) {
            return;
        }
        boolean all = true;
        boolean failed = false;
        for (Map.Entry<String, Part> e : parts.entrySet()) {
            if (!defined.contains(e.getKey())) {
                continue;
            }
            Phase phase = e.getValue().phase;
            failed |= phase == Phase.FAILED;
            all &= done(phase) || phase == Phase.FAILED;
        }
        if (failed && (!dryRun || all)) {
            state = State.FAILED;
        } else if (all) {
            state = State.DONE;
        }
    }

    /**
     * A dry run cannot wait for a node that is not there: a node that is stopped or cut off when the dry run starts
     * (or while it runs) fails it with why, so that the report ends and names it; a real upgrade waits for it.
     */
    void unreachable(String node, String why, long atMillis, Set<String> defined) {
        Part p = parts.get(node);
        if (!dryRun || state != State.RUNNING || p == null || done(p.phase) || p.phase == Phase.FAILED) {
            return;
        }
        p.phase = Phase.FAILED;
        p.detail = why;
        p.atMillis = atMillis;
        settle(defined);
    }

    void abort(String by) {
        state = State.ABORTED;
        endedBy = by;
    }

    private static boolean done(Phase phase) {
        return phase == Phase.CAPABLE || phase == Phase.SIMULATED;
    }

    UpgradeStatus toStatus() {
        List<NodeProgress> nodes = new ArrayList<>(parts.size());
        parts.forEach((node, p) -> nodes.add(new NodeProgress(node, p.phase, p.detail,
                Instant.ofEpochMilli(p.atMillis))));
        return new UpgradeStatus(id, feature, dryRun, retire, parallel, startedBy,
                Instant.ofEpochMilli(startedAtMillis), state, nodes, endedBy);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeUTF(id);
        out.writeUTF(feature);
        out.writeInt(parallel);
        out.writeBoolean(dryRun);
        out.writeBoolean(retire);
        out.writeUTF(startedBy);
        out.writeLong(startedAtMillis);
        out.writeUTF(state.name());
        out.writeUTF(endedBy);
        out.writeInt(parts.size());
        for (Map.Entry<String, Part> e : parts.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue().phase.name());
            out.writeUTF(e.getValue().detail);
            out.writeLong(e.getValue().atMillis);
        }
    }

    static Rollout readFrom(DataInput in) throws IOException {
        String id = in.readUTF();
        String feature = in.readUTF();
        int parallel = in.readInt();
        boolean dryRun = in.readBoolean();
        boolean retire = in.readBoolean();
        String startedBy = in.readUTF();
        long startedAt = in.readLong();
        State state = parse(State.class, in.readUTF());
        String endedBy = in.readUTF();
        int n = StateCodec.boundedCount(in);
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw new IOException("upgrade " + id + " with " + parallel + " nodes at once");
        }
        List<String> order = new ArrayList<>(n);
        List<Part> read = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(in.readUTF());
            Part p = new Part();
            p.phase = parse(Phase.class, in.readUTF());
            p.detail = in.readUTF();
            p.atMillis = in.readLong();
            read.add(p);
        }
        Rollout r = new Rollout(id, feature, parallel, dryRun, retire, startedBy, startedAt, order);
        for (int i = 0; i < n; i++) {
            r.parts.put(order.get(i), read.get(i));
        }
        r.state = state;
        r.endedBy = endedBy;
        return r;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String name) throws IOException {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IOException("unknown " + type.getSimpleName() + " " + name, e);
        }
    }
}
