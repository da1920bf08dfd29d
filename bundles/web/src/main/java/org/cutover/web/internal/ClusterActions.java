package org.cutover.web.internal;

import java.security.PrivilegedAction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

import javax.security.auth.Subject;

import org.cutover.api.ClusterService;
import org.cutover.api.GroupException;
import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;

/**
 * What a login may do from the page: check, adjust and hold. Each runs inside the login's JAAS subject, as a shell
 * command or a JMX operation does, so the cluster's ACL decides on every node and the history names the user. The
 * view also refuses up front what that ACL would refuse, with the same words, so that nothing is sent for it.
 */
final class ClusterActions {

    static final String ADJUST = "adjust";
    static final String HOLD = "hold";

    private final ClusterService cluster;
    private final VersionService versions;

    ClusterActions(ClusterService cluster, VersionService versions) {
        this.cluster = cluster;
        this.versions = versions;
    }

    /** operation → whether this login may run it, by the cluster's ACL */
    Map<String, Boolean> may(WebSessions.Session s) {
        Map<String, List<String>> acl = cluster.acl();
        Map<String, Boolean> may = new LinkedHashMap<>();
        for (String op : List.of(ADJUST, HOLD)) {
            may.put(op, refusal(acl, op, s) == null);
        }
        return may;
    }

    Map<String, Object> check(WebSessions.Session s, int level, List<String> groups, boolean downgrade) {
        CheckResult r = as(s, () -> versions.check(request(level, groups, downgrade)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("passed", r.passed());
        out.put("message", r.passed() ? "level " + level + " can run on " + scope(groups) : causes(r));
        return out;
    }

    Map<String, Object> adjust(WebSessions.Session s, int level, List<String> groups, boolean downgrade,
                               boolean noRevert) throws WebError {
        refuseUnlessAllowed(s, ADJUST);
        Set<AdjustOption> options = noRevert ? Set.of(AdjustOption.NO_REVERT) : Set.of();
        AdjustResult r = as(s, () -> versions.adjust(request(level, groups, downgrade), options));
        if (!r.check().passed()) {
            throw new WebError(409, "refused, nothing was sent: " + causes(r.check()));
        }
        if (!r.complete()) {
            throw new WebError(409, (r.applied() ? "applied, but not confirmed by " : "not applied: ")
                    + r.unconfirmed());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("passed", true);
        out.put("message", scope(groups) + " adjusted to level " + level + ": epochs " + r.newEpochs() + ", "
                + r.confirmations().size() + " members confirmed in " + r.elapsed().toMillis() + " ms");
        return out;
    }

    Map<String, Object> hold(WebSessions.Session s, boolean held, List<String> groups) throws WebError {
        refuseUnlessAllowed(s, HOLD);
        try {
            as(s, () -> {
                cluster.hold(held, groups);
                return null;
            });
        } catch (GroupException e) {
            throw new WebError(409, e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("passed", true);
        out.put("message", (held ? "held " : "released ") + scope(groups));
        return out;
    }

    private void refuseUnlessAllowed(WebSessions.Session s, String op) throws WebError {
        String refusal = refusal(cluster.acl(), op, s);
        if (refusal != null) {
            throw new WebError(403, refusal);
        }
    }

    /** as the cluster's ACL words it (ClusterAcl in core); an operation the ACL does not name needs admin */
    private static String refusal(Map<String, List<String>> acl, String op, WebSessions.Session s) {
        List<String> allowed = acl.getOrDefault(op, List.of("admin"));
        for (String role : s.roles) {
            if (allowed.contains(role)) {
                return null;
            }
        }
        return "user " + s.user + " (roles " + s.roles + ") may not run " + op
                + ": the cluster's ACL requires one of " + allowed;
    }

    @SuppressWarnings("removal") // Subject.doAs: deprecated from JDK 18 for callAs; Karaf 4.4 runs on 11 and 17
    private static <T> T as(WebSessions.Session s, PrivilegedAction<T> action) {
        return Subject.doAs(s.subject, action);
    }

    private static VersionRequest request(int level, List<String> groups, boolean downgrade) {
        VersionRequest r = groups.isEmpty() ? VersionRequest.allGroups(OptionalInt.of(level))
                : VersionRequest.of(level, groups.toArray(String[]::new));
        return downgrade ? r.withDowngrade() : r;
    }

    private static String scope(List<String> groups) {
        return groups.isEmpty() ? "every group" : String.join(", ", groups);
    }

    private static String causes(CheckResult r) {
        return r.failures().stream().map(f -> f.code() + ": " + f.message()).collect(Collectors.joining("; "));
    }
}
