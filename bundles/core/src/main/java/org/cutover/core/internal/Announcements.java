package org.cutover.core.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.cutover.core.internal.wire.Envelope.CapabilityChanged;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.cutover.core.internal.wire.Envelope.Hello;
import org.cutover.core.internal.wire.Envelope.ImportHistory;
import org.cutover.core.internal.wire.Envelope.ViewChanged;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.raft.RaftHandle;

/**
 * What the node tells the log by itself, on its timer: its hello until it is
 * committed (with what it imports from a state file of the pre-log format),
 * then its levels whenever they (or its certificate or CAs) differ from the log's, and, on the leader, its
 * view whenever it differs from the replicated node statuses. At most one of
 * each is in flight. The same tick lets {@link LogCompaction} cut the log.
 */
final class Announcements {

    private static final System.Logger LOG = System.getLogger(Announcements.class.getName());

    private final NodeSettings settings;
    private final Replica replica;
    private final InfraLevels infra;
    /** null once the node is closed */
    private final Supplier<JChannel> channel;
    private final RaftHandle raft;
    private final LogLink log;
    private final LogCompaction compaction;
    private final Supplier<View> view;
    /** told when this node's hello is committed */
    private final Incarnation incarnation;
    private volatile List<GroupVersion> legacyVersions;
    /** the adjust history of a state file of the pre-log format, to import once after the first hello */
    private volatile byte[] legacyHistory;
    /** the cluster state does not hold this node's certificate or CAs as they are now (a rotation step) */
    private final java.util.function.BooleanSupplier identityPending;
    private final AtomicBoolean helloInFlight = new AtomicBoolean();
    private final AtomicBoolean levelsInFlight = new AtomicBoolean();
    private final AtomicBoolean viewInFlight = new AtomicBoolean();

    Announcements(NodeSettings settings, Replica replica, InfraLevels infra, Supplier<JChannel> channel,
                  RaftHandle raft, LogLink log, LogCompaction compaction, Supplier<View> view,
                  Incarnation incarnation, List<GroupVersion> legacyVersions,
                  byte[] legacyHistory, java.util.function.BooleanSupplier identityPending) {
        this.identityPending = identityPending;
        this.settings = settings;
        this.replica = replica;
        this.infra = infra;
        this.channel = channel;
        this.raft = raft;
        this.log = log;
        this.compaction = compaction;
        this.view = view;
        this.incarnation = incarnation;
        this.legacyVersions = legacyVersions;
        this.legacyHistory = legacyHistory;
    }

    /** the node's hello until it is committed, its levels when they differ from the log's, the leader's view */
    void tick() {
        try {
            if (!incarnation.isSynced()) {
                sayHello();
            } else {
                announceLevels();
            }
            if (raft.isLeader()) {
                publishView();
            }
            compaction.maybeCompact();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "tick: " + e);
        }
    }

    private void sayHello() {
        JChannel ch = channel.get();
        if (ch == null || !log.hasLeader() || !helloInFlight.compareAndSet(false, true)) {
            return;
        }
        Address self = ch.getAddress();
        Object physical = ch.down(new Event(Event.GET_PHYSICAL_ADDRESS, self));
        long known;
        synchronized (replica) {
            known = replica.state.incarnationOf(settings.nodeName());
        }
        Hello hello = new Hello(settings.nodeName(), DirectMessages.uuidOf(self), physical == null
                ? DirectMessages.uuidOf(self) : physical.toString(), infra.levels(), Map.of(), legacyVersions, true,
                known);
        log.append(hello).whenComplete((r, e) -> {
            helloInFlight.set(false);
            if (e == null && r.accepted()) {
                long committed;
                synchronized (replica) {
                    committed = replica.state.incarnationOf(settings.nodeName());
                }
                legacyVersions = List.of();
                importLegacyHistory();
                incarnation.helloCommitted(committed);
                LOG.log(System.Logger.Level.INFO, "node " + settings.nodeName() + " is in the cluster log,"
                        + " incarnation " + committed);
            }
        });
    }

    /** the history of the pre-log state file goes into the log once; importing it twice adds nothing */
    private void importLegacyHistory() {
        byte[] history = legacyHistory;
        if (history == null) {
            return;
        }
        legacyHistory = null;
        log.append(new ImportHistory(settings.nodeName(), history)).whenComplete((r, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "node " + settings.nodeName() + " could not import the adjust"
                        + " history of " + settings.legacyState() + ": " + e);
            }
        });
    }

    void announceLevels() {
        if (!incarnation.isSynced() || !log.hasLeader()) {
            return;
        }
        SortedSet<Integer> levels = infra.levels();
        boolean differs = replica.read(s -> s.definedNode(settings.nodeName()).map(n -> !n.levels().equals(levels))
                .orElse(false));
        // an idle node's new certificate or CAs reach the log with its levels: every entry carries them until then
        if ((differs || identityPending.getAsBoolean()) && levelsInFlight.compareAndSet(false, true)) {
            log.append(new CapabilityChanged(settings.nodeName(), levels))
                    .whenComplete((r, e) -> levelsInFlight.set(false));
        }
    }

    /** the leader writes its view into the log when it differs from the replicated node statuses */
    void publishView() {
        View v = view.get();
        if (v == null || !raft.isLeader()) {
            return;
        }
        Set<String> uuids = new HashSet<>();
        v.getMembers().forEach(a -> uuids.add(DirectMessages.uuidOf(a)));
        long term = raft.currentTerm();
        boolean needed = replica.read(s -> s.viewDiffers(uuids) || s.viewTerm() < term);
        if (needed && viewInFlight.compareAndSet(false, true)) {
            log.append(new ViewChanged(term, v.getViewId().getId(), List.copyOf(uuids)))
                    .whenComplete((r, e) -> viewInFlight.set(false));
        }
    }
}
