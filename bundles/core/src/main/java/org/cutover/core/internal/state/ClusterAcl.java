package org.cutover.core.internal.state;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.cutover.core.internal.wire.Envelope.Asker;

/**
 * Which roles may run which cluster operation. Checked where an operation is applied, by every node alike, so
 * an operation refused on one node is refused everywhere, and a node whose local files are laxer (Karaf's command
 * ACL granting {@code cluster:version-adjust} to viewers) cannot widen it: what counts is the user and roles the
 * asking node's login gave, carried in the operation's entry (signed by that node).
 * <p>
 * Code in a node that runs without a login ({@link Asker#NODE}) may run every operation: it can do anything its
 * node can (docs/security.md, "an admin of one node").
 */
final class ClusterAcl {

    static final String ADJUST = "adjust";
    static final String NODE_REMOVE = "node-remove";

    /** the same on every node of this version; changing it through the log is not done yet */
    private static final Map<String, Set<String>> ROLES = Map.of(
            ADJUST, Set.of("admin"),
            NODE_REMOVE, Set.of("admin"));

    private ClusterAcl() {
    }

    /** @return null when {@code asker} may run {@code operation}, else why not */
    static String refusal(String operation, Asker asker) {
        if (asker.user().isEmpty()) {
            return null;
        }
        Set<String> allowed = ROLES.getOrDefault(operation, Set.of("admin"));
        List<String> roles = asker.roles();
        for (String r : roles) {
            if (allowed.contains(r)) {
                return null;
            }
        }
        return "user " + asker.user() + " (roles " + roles + ") may not run " + operation + ": the cluster's ACL"
                + " requires one of " + new java.util.TreeSet<>(allowed);
    }
}
