package org.cutover.example.internal.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.Member;
import org.cutover.example.internal.ApplyCounters;
import org.cutover.example.internal.KvStats;
import org.cutover.example.internal.KvStore;
import org.cutover.example.internal.LoadProgress;
import org.cutover.example.internal.MapDigest;
import org.cutover.example.internal.VerifyReport;

/** How the kv commands write what the store tells them. */
final class KvReports {

    private KvReports() {
    }

    static List<String> stats(KvStats s) {
        return stats(s, false);
    }

    /**
     * with {@code senders}, after the counters: "acknowledged MEMBER: N", "in doubt MEMBER: C C …", "delivered
     * SENDER: N" and "missing SENDER: C C …" lines
     */
    static List<String> stats(KvStats s, boolean senders) {
        List<String> lines = new ArrayList<>();
        if (s.joined()) {
            lines.add("group:         " + KvStore.GROUP + " as " + s.member() + ", level " + s.level() + ", epoch "
                    + s.epoch() + ", " + s.members() + " member" + (s.members() == 1 ? "" : "s"));
        } else {
            lines.add("group:         " + KvStore.GROUP + " not joined yet (" + s.joinStatus() + ")");
        }
        ApplyCounters c = s.counters();
        lines.add("entries:       " + s.entries());
        lines.add("sent:          " + s.sent());
        lines.add("applied:       " + c.applied());
        lines.add("last sequence: " + c.lastSequence());
        lines.add("chain:         " + c.chain());
        lines.add("lost:          " + c.lost());
        lines.add("duplicated:    " + c.duplicated());
        lines.add("reordered:     " + c.reordered());
        if (c.rejected() > 0) {
            lines.add("not writes:    " + c.rejected());
        }
        lines.add("load:          " + load(s.load()));
        if (senders) {
            s.acknowledged().forEach((member, n) -> lines.add("acknowledged " + member + ": " + n));
            s.inDoubt().forEach((member, doubts) -> lines.add("in doubt " + member + ": " + numbers(doubts)));
            s.delivered().forEach((sender, n) -> lines.add("delivered " + sender + ": " + n));
            s.missing().forEach((sender, skipped) -> lines.add("missing " + sender + ": " + numbers(skipped)));
        }
        return lines;
    }

    private static String numbers(java.util.Collection<Long> counters) {
        return counters.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(" "));
    }

    static String load(LoadProgress p) {
        if (p.state() == LoadProgress.State.IDLE) {
            return "none";
        }
        String line = p.state().name().toLowerCase(Locale.ROOT) + ", " + p.written() + " of " + p.count()
                + " written in " + String.format(Locale.ROOT, "%.1f s (%.0f/s", p.elapsed().toNanos() / 1e9,
                p.achievedRate()) + ", limit " + rate(p.rate()) + ")";
        return p.error() == null ? line : line + ": " + p.error();
    }

    static String rate(double rate) {
        return rate <= 0 ? "none" : String.format(Locale.ROOT, "%s/s", rate == Math.rint(rate)
                ? String.valueOf((long) rate) : String.valueOf(rate));
    }

    static List<String> verify(VerifyReport r) {
        List<String> lines = new ArrayList<>();
        lines.add("group " + KvStore.GROUP + " at level " + r.level() + ", epoch " + r.epoch() + ":");
        for (Map.Entry<Member, MapDigest> e : r.digests().entrySet()) {
            lines.add("  " + e.getKey().id() + "  " + e.getValue().entries() + " entries  sha256 "
                    + e.getValue().hex());
        }
        r.unreadable().forEach((member, why) -> lines.add("  " + member.id() + "  unreadable reply: " + why));
        r.timedOut().forEach(member -> lines.add("  " + member.id() + "  no answer in time"));
        if (r.agreed()) {
            lines.add("all " + r.digests().size() + " member" + (r.digests().size() == 1 ? "" : "s") + " agree");
        }
        return lines;
    }

    /** why verify failed, in one line; null when every member agrees */
    static String verifyFailure(VerifyReport r) {
        if (r.agreed()) {
            return null;
        }
        if (r.allEmpty()) {
            int n = r.digests().size();
            return "kv:verify: " + (n == 1 ? "the only member has" : "all " + n + " members have")
                    + " an empty map: nothing to compare";
        }
        List<String> causes = new ArrayList<>();
        long distinct = r.digests().values().stream().distinct().count();
        if (distinct > 1) {
            causes.add(distinct + " different digests among " + r.digests().size() + " members");
        }
        if (!r.timedOut().isEmpty()) {
            causes.add(r.timedOut().size() + " member" + (r.timedOut().size() == 1 ? "" : "s")
                    + " did not answer in time");
        }
        if (!r.unreadable().isEmpty()) {
            causes.add(r.unreadable().size() + " unreadable repl" + (r.unreadable().size() == 1 ? "y" : "ies"));
        }
        if (r.digests().isEmpty() && causes.isEmpty()) {
            causes.add("no member answered");
        }
        return "kv:verify: the members of group " + KvStore.GROUP + " disagree: " + String.join("; ", causes);
    }

    static String levelRefusal(FunctionUnavailableException e) {
        return "kv:verify needs infrastructure level 2 (request to all members); group " + KvStore.GROUP
                + " is at level " + e.level() + "; adjust it with cluster:version-adjust --to 2 " + KvStore.GROUP
                + " (" + e.getMessage() + ")";
    }
}
