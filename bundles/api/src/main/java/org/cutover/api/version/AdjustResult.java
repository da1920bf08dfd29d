package org.cutover.api.version;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.cutover.api.Member;

/**
 * The outcome of an adjust.
 *
 * @param check         the checks run before anything was sent
 * @param applied       whether the switch was delivered and applied (false if a check failed or a concurrent adjust won)
 * @param newEpochs     each switched group's epoch after the switch
 * @param confirmations the members that confirmed, with their times
 * @param unconfirmed   members that did not confirm in time, with the state they are in
 * @param elapsed       from sending the switch to the last confirmation (or the time-out)
 */
public record AdjustResult(CheckResult check, boolean applied, Map<String, Long> newEpochs,
                           List<MemberConfirmation> confirmations, Map<Member, String> unconfirmed, Duration elapsed) {

    public AdjustResult {
        newEpochs = OrderedCopy.of(newEpochs); // in order
        confirmations = List.copyOf(confirmations);
        unconfirmed = Map.copyOf(unconfirmed);
    }

    public static AdjustResult refused(CheckResult check) {
        return new AdjustResult(check, false, Map.of(), List.of(), Map.of(), Duration.ZERO);
    }

    /** applied and every member confirmed */
    public boolean complete() {
        return applied && unconfirmed.isEmpty();
    }
}
