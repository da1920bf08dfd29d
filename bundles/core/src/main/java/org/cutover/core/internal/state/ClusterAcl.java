package org.cutover.core.internal.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.cutover.core.internal.Names;
import org.cutover.core.internal.wire.Envelope.Asker;

/**
 * Which roles may run which cluster operation. Part of the replicated state: it changes only through an
 * {@code acl-set} entry of the log, and is checked where each operation is applied, by every node alike. So an
 * operation refused on one node is refused everywhere, and a node whose local files are laxer (Karaf's command
 * ACL granting {@code cluster:version-adjust} to viewers) cannot widen it: what counts is the user and roles the
 * asking node's login gave, carried in the operation's entry (signed by that node).
 * <p>
 * Code in a node that runs without a login ({@link Asker#NODE}) may run every operation: it can do anything its
 * node can (docs/security.md, "an admin of one node").
 */
public final class ClusterAcl {

    public static final String ADJUST = "adjust";
    public static final String NODE_ADD = "node-add";
    public static final String NODE_REMOVE = "node-remove";
    public static final String MAJORITY_RECOVER = "majority-recover";
    public static final String ACL_SET = "acl-set";
    public static final String HOLD = "hold";
    public static final String UPGRADE = "upgrade";
    public static final String CERT_REVOKE = "cert-revoke";
    /** every operation the ACL rules, in the order the shell lists them */
    public static final List<String> OPERATIONS = List.of(ADJUST, HOLD, UPGRADE, NODE_ADD, NODE_REMOVE,
            MAJORITY_RECOVER, CERT_REVOKE, ACL_SET);

    private static final int MAX_ROLES = 64;

    /** operation → roles that may run it; every operation starts with admin alone */
    private final Map<String, TreeSet<String>> roles = new TreeMap<>();

    ClusterAcl() {
        OPERATIONS.forEach(op -> roles.put(op, new TreeSet<>(List.of("admin"))));
    }

    /** @return null when {@code asker} may run {@code operation}, else why not */
    String refusal(String operation, Asker asker) {
        if (asker.user().isEmpty()) {
            return null;
        }
        TreeSet<String> allowed = roles.get(operation);
        for (String r : asker.roles()) {
            if (allowed.contains(r)) {
                return null;
            }
        }
        return "user " + asker.user() + " (roles " + asker.roles() + ") may not run " + operation
                + ": the cluster's ACL requires one of " + allowed;
    }

    /** @return null when the rule can be set, else why not (checked alike on every node) */
    static String invalid(String operation, List<String> newRoles) {
        if (!OPERATIONS.contains(operation)) {
            return "no cluster operation is named '" + operation + "'; the ACL rules " + OPERATIONS;
        }
        if (newRoles.isEmpty() || newRoles.size() > MAX_ROLES) {
            return "a rule names 1 to " + MAX_ROLES + " roles, not " + newRoles.size();
        }
        for (String r : newRoles) {
            if (r.isBlank() || r.length() > 200 || Names.firstUnprintable(r) >= 0) {
                return "a role is 1 to 200 printable characters, not '" + r + "'";
            }
        }
        return null;
    }

    void set(String operation, List<String> newRoles) {
        roles.put(operation, new TreeSet<>(newRoles));
    }

    /** operation → roles, in {@link #OPERATIONS}' order */
    Map<String, List<String>> rules() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        OPERATIONS.forEach(op -> copy.put(op, List.copyOf(roles.get(op))));
        return copy;
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeShort(roles.size());
        for (Map.Entry<String, TreeSet<String>> e : roles.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeShort(e.getValue().size());
            for (String r : e.getValue()) {
                out.writeUTF(r);
            }
        }
    }

    void readFrom(DataInput in) throws IOException {
        int rules = in.readUnsignedShort();
        for (int i = 0; i < rules; i++) {
            String op = in.readUTF();
            int n = in.readUnsignedShort();
            List<String> rs = new ArrayList<>(Math.min(n, MAX_ROLES));
            for (int j = 0; j < n; j++) {
                rs.add(in.readUTF());
            }
            String why = invalid(op, rs);
            if (why != null) {
                throw new IOException("the ACL in the snapshot: " + why);
            }
            set(op, rs);
        }
    }
}
