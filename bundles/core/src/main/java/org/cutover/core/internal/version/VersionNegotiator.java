package org.cutover.core.internal.version;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.cutover.api.DefinedNode;
import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;
import org.cutover.core.internal.AdjustWaiter;
import org.cutover.core.internal.ClusterNode;
import org.cutover.core.internal.state.ClusterState;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.Asker;
import org.cutover.core.internal.wire.Envelope.AdjustDone;

/**
 * Checks, then switches groups with one ordered ADJUST_VERSION membership
 * change, and waits for every member's node to confirm it applied it.
 */
public final class VersionNegotiator implements VersionService {

    private static final System.Logger LOG = System.getLogger(VersionNegotiator.class.getName());

    private final ClusterNode node;

    public VersionNegotiator(ClusterNode node) {
        this.node = node;
    }

    @Override
    public CheckResult check(VersionRequest request) {
        requirePrintable(request);
        node.requireSynced();
        return node.read(state -> VersionChecks.run(state, node.nodesInView(), request));
    }

    @Override
    public AdjustResult adjust(VersionRequest request) {
        return adjust(request, Set.of());
    }

    @Override
    public AdjustResult adjust(VersionRequest request, Set<AdjustOption> options) {
        return adjust(request, org.cutover.core.internal.CallingUser.current(), "",
                !options.contains(AdjustOption.NO_REVERT), OptionalLong.empty());
    }

    /**
     * The node's own adjust, by the same checks and the same ordered message as an operator's; the history names
     * the cause instead of a user.
     */
    AdjustResult adjustAutomatically(VersionRequest request, String cause) {
        return adjust(request, Asker.NODE, cause, true, OptionalLong.empty());
    }

    @Override
    public AdjustResult revert(String group, long epoch, int toLevel, String why) {
        org.cutover.core.internal.Names.requirePrintable("why", why);
        return adjust(VersionRequest.of(toLevel, group).withDowngrade(), Asker.NODE, Adjust.REVERT + why, false,
                OptionalLong.of(epoch));
    }

    /** @param atEpoch the epoch every group must be at for the adjust to be sent (a revert's) */
    private AdjustResult adjust(VersionRequest request, Asker asker, String cause, boolean revertable,
                                OptionalLong atEpoch) {
        requirePrintable(request);
        node.requireSynced();
        Adjust adjust;
        VersionChecks.Checked checked;
        synchronized (this) { // one adjust at a time from this node; other nodes race through the epochs
            checked = node.read(state -> VersionChecks.check(state, node.nodesInView(), request));
            if (!checked.passed()) {
                return AdjustResult.refused(checked.result());
            }
            if (atEpoch.isPresent() && !checked.fromEpochs().values().stream()
                    .allMatch(e -> e == atEpoch.getAsLong())) {
                return withFailure(checked.result(), ReasonCode.CONCURRENT_ADJUST, "the group moved on from epoch "
                        + atEpoch.getAsLong() + " (now " + checked.fromEpochs() + ")");
            }
            int target = checked.targetLevel();
            adjust = new Adjust(java.util.UUID.randomUUID().toString(), node.localNode(), target,
                    checked.toSwitch(), System.currentTimeMillis(), asker, cause,
                    revertable && checked.fromLevels().values().stream().anyMatch(l -> l < target));
        }
        AdjustWaiter waiter = new AdjustWaiter();
        node.sendAdjust(adjust, waiter);
        CheckResult check = checked.result(); // made while the entry is on its way
        Duration timeout = node.settings().confirmTimeout();
        try {
            if (!waiter.awaitDelivery(node.settings().opTimeout())) {
                node.finishAdjust(new AdjustDone(adjust.requestId(), waiter.elapsedNanos() / 1000, "NOT_DELIVERED"));
                return withFailure(check, ReasonCode.NOT_CONNECTED, "the adjust was not delivered in the cluster's"
                        + " order within " + node.settings().opTimeout().toSeconds() + " s");
            }
            if (waiter.failure() != null) {
                node.finishAdjust(new AdjustDone(adjust.requestId(), waiter.elapsedNanos() / 1000, "NOT_COMMITTED"));
                return withFailure(check, waiter.failure().code(), waiter.failure().getMessage());
            }
            ClusterState.Result delivered = waiter.result();
            if (!delivered.accepted()) {
                node.finishAdjust(new AdjustDone(adjust.requestId(), waiter.elapsedNanos() / 1000,
                        delivered.refused().name()));
                return withFailure(check, delivered.refused(), delivered.why());
            }
            boolean all = waiter.awaitConfirmations(timeout);
            long elapsed = waiter.elapsedNanos();
            Map<String, Long> confirmed = waiter.confirmedNanos();
            List<MemberConfirmation> confirmations = waiter.confirmations(confirmed.keySet());
            Map<Member, String> unconfirmed = new LinkedHashMap<>();
            for (Map.Entry<String, List<Member>> e : waiter.expected().entrySet()) {
                if (!confirmed.containsKey(e.getKey())) {
                    for (Member m : e.getValue()) {
                        unconfirmed.put(m, describe(e.getKey()));
                    }
                }
            }
            String outcome = all ? "APPLIED" : "INCOMPLETE";
            node.finishAdjust(new AdjustDone(adjust.requestId(), elapsed / 1000, outcome));
            LOG.log(System.Logger.Level.INFO, () -> "adjust of " + groupsNamed(delivered.newEpochs().keySet())
                    + " to level " + adjust.toLevel() + " " + outcome + " in " + elapsed / 1000 + " µs");
            return new AdjustResult(check, true, delivered.newEpochs(), confirmations, unconfirmed,
                    Duration.ofNanos(elapsed));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return withFailure(check, ReasonCode.NOT_CONNECTED, "interrupted while waiting for confirmations");
        }
    }

    private static void requirePrintable(VersionRequest request) {
        request.groups().forEach(g -> org.cutover.core.internal.Names.requirePrintable("the group name", g));
    }

    /** up to 10 names: the log line of an adjust of 1,000 groups is not a list of 1,000 */
    private static String groupsNamed(java.util.Set<String> groups) {
        return groups.size() <= 10 ? groups.toString() : groups.stream().limit(10).toList() + " and "
                + (groups.size() - 10) + " more";
    }

    private String describe(String nodeName) {
        Optional<DefinedNode> n = node.definedNode(nodeName);
        return n.map(d -> "node " + nodeName + " is " + d.status() + " and did not confirm within "
                + node.settings().confirmTimeout().toSeconds() + " s").orElse("node " + nodeName + " is gone");
    }

    private static AdjustResult withFailure(CheckResult check, ReasonCode code, String why) {
        List<CheckFailure> failures = new ArrayList<>(check.failures());
        failures.add(new CheckFailure(code, List.of(), why));
        return AdjustResult.refused(new CheckResult(check.targetLevel(), check.fromLevels(), check.fromEpochs(),
                failures));
    }

    @Override
    public List<AdjustRecord> history(Optional<String> group) {
        return node.read(state -> state.history(group));
    }
}
