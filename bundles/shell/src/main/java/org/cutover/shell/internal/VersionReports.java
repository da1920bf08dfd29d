package org.cutover.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.cutover.api.Member;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.api.version.VersionRequest;

/** What version-check and version-adjust print, and the messages they fail with. */
final class VersionReports {

    private VersionReports() {
    }

    /** one "CODE: message" line per failure, or the one line saying the move may go ahead */
    static List<String> check(CheckResult result) {
        if (!result.passed()) {
            return failureLines(result);
        }
        return List.of("ok: " + moves(result));
    }

    /** why version-check fails; null when it passed */
    static String checkFailure(VersionRequest request, CheckResult result) {
        if (result.passed()) {
            return null;
        }
        return "version check of " + subject(request) + " to " + target(result) + " failed: " + causes(result);
    }

    /** the lines version-adjust prints */
    static List<String> adjust(VersionRequest request, AdjustResult result) {
        if (!result.check().passed()) {
            return failureLines(result.check());
        }
        if (!result.applied()) {
            return List.of(ReasonCode.CONCURRENT_ADJUST + ": another adjust changed the epoch of " + subject(request)
                    + " first; nothing was applied");
        }
        List<String> lines = new ArrayList<>();
        lines.add("adjusted " + Formats.list(new TreeSet<>(result.newEpochs().keySet())) + " to level "
                + result.check().targetLevel());
        lines.add("epochs: " + new TreeMap<>(result.newEpochs()).entrySet().stream()
                .map(epoch -> epoch.getKey() + " " + epoch.getValue())
                .collect(Collectors.joining(", ")));
        for (MemberConfirmation confirmation : result.confirmations()) {
            lines.add("confirmed " + confirmation.member() + " in " + Formats.duration(confirmation.elapsed()));
        }
        for (Map.Entry<Member, String> unconfirmed : new TreeMap<>(result.unconfirmed()).entrySet()) {
            lines.add("unconfirmed " + unconfirmed.getKey() + ": " + unconfirmed.getValue());
        }
        String total = "total " + Formats.duration(result.elapsed()) + ", " + result.confirmations().size()
                + (result.confirmations().size() == 1 ? " member" : " members") + " confirmed";
        if (!result.unconfirmed().isEmpty()) {
            total += ", " + result.unconfirmed().size() + " did not";
        }
        lines.add(total);
        return lines;
    }

    /** why version-adjust fails; null when it was applied and every member confirmed */
    static String adjustFailure(VersionRequest request, AdjustResult result) {
        if (!result.check().passed()) {
            return "version adjust of " + subject(request) + " to " + target(result.check())
                    + " refused, nothing was sent: " + causes(result.check());
        }
        if (!result.applied()) {
            return "version adjust of " + subject(request) + " lost to a concurrent adjust; nothing was applied";
        }
        if (!result.unconfirmed().isEmpty()) {
            return "version adjust to level " + result.check().targetLevel() + " was applied but "
                    + result.unconfirmed().size() + " of " + (result.unconfirmed().size() + result.confirmations().size())
                    + " members did not confirm: " + Formats.list(new TreeSet<>(result.unconfirmed().keySet()));
        }
        return null;
    }

    private static List<String> failureLines(CheckResult result) {
        return result.failures().stream().map(CheckFailure::toString).collect(Collectors.toList());
    }

    /** "a, b can move from 1 to 3; c can move from 2 to 3", one clause per current level */
    private static String moves(CheckResult result) {
        if (result.fromLevels().isEmpty()) {
            return "no groups to move to level " + result.targetLevel();
        }
        SortedMap<Integer, SortedSet<String>> groupsByLevel = new TreeMap<>();
        result.fromLevels().forEach((group, level) -> groupsByLevel.computeIfAbsent(level, l -> new TreeSet<>()).add(group));
        return groupsByLevel.entrySet().stream()
                .map(from -> Formats.list(from.getValue()) + " can move from " + from.getKey() + " to "
                        + result.targetLevel())
                .collect(Collectors.joining("; "));
    }

    private static String causes(CheckResult result) {
        int count = result.failures().size();
        return count + (count == 1 ? " cause (" : " causes (") + result.failures().stream()
                .map(failure -> failure.code().name())
                .distinct()
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String subject(VersionRequest request) {
        return request.all() ? "all groups" : Formats.list(new TreeSet<>(request.groups()));
    }

    private static String target(CheckResult result) {
        return result.targetLevel() > 0 ? "level " + result.targetLevel() : "their potential level";
    }
}
