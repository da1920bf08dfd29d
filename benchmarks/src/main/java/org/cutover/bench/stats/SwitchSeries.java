package org.cutover.bench.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;

import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.api.version.VersionRequest;

/**
 * One series of switches between {@code high - 1} and {@code high}, alternating down (with the explicit
 * downgrade) and up, timed the same way by the in-JVM harness and the Karaf probe: the wall time of the
 * {@code adjust} call and the {@code AdjustResult.elapsed} it reports. Only complete switches are timed.
 */
public final class SwitchSeries {
    private final boolean all;
    private final String group;
    private final int high;
    private int level;
    public final List<Long> wall = new ArrayList<>();
    public final List<Long> sentToConfirmed = new ArrayList<>();
    public final List<String> failures = new ArrayList<>();
    /**
     * With {@link #askerNode} set: per switch, from the send until the asking node had applied it, and until the
     * last other node's confirmation was in (the result's times per member). Where the rest of the call goes.
     */
    public final List<Long> ownApply = new ArrayList<>();
    public final List<Long> othersConfirmed = new ArrayList<>();
    /** the name of the node that asks, or null: then {@link #ownApply} and {@link #othersConfirmed} stay empty */
    public String askerNode;

    /** @param group the group a named switch asks for; ignored when {@code all} */
    public SwitchSeries(boolean all, String group, int high) {
        this.all = all;
        this.group = group;
        this.high = high;
        this.level = high;
    }

    /** switches once; {@code measured} false for warm-up */
    public void switchOnce(Function<VersionRequest, AdjustResult> adjust, boolean measured) {
        int to = level == high ? high - 1 : high;
        VersionRequest named = all ? VersionRequest.allGroups(OptionalInt.of(to)) : VersionRequest.of(to, group);
        VersionRequest request = to < level ? named.withDowngrade() : named;
        long start = System.nanoTime();
        AdjustResult result = adjust.apply(request);
        long took = System.nanoTime() - start;
        if (!result.complete()) {
            failures.add(request + " -> applied=" + result.applied() + " " + result.check().failures()
                    + " unconfirmed=" + result.unconfirmed());
            return;
        }
        level = to;
        if (measured) {
            wall.add(took);
            sentToConfirmed.add(result.elapsed().toNanos());
            if (askerNode != null) {
                long own = -1;
                long others = -1;
                for (MemberConfirmation c : result.confirmations()) {
                    long t = c.elapsed().toNanos();
                    if (c.member().node().equals(askerNode)) {
                        own = Math.max(own, t);
                    } else {
                        others = Math.max(others, t);
                    }
                }
                if (own >= 0 && others >= 0) {
                    ownApply.add(own);
                    othersConfirmed.add(others);
                }
            }
        }
    }

    /** a series stops after five failed switches: its figures would not mean anything */
    public boolean failing() {
        return failures.size() >= 5;
    }
}
