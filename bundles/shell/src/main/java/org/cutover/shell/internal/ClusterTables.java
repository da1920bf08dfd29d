package org.cutover.shell.internal;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.support.table.ShellTable;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.version.AdjustRecord;

/** The tables of node-list, group-list, version-history and acl-list. */
final class ClusterTables {

    private ClusterTables() {
    }

    /**
     * {@code voters}: the nodes that vote in the cluster log; the others are learners. {@code leader}: the log's
     * leader as this node knows it, empty if none
     */
    static ShellTable nodes(List<DefinedNode> nodes, List<String> voters, String leader) {
        ShellTable table = new ShellTable().emptyTableText("no defined nodes");
        table.column("Node");
        table.column("Status");
        table.column("Address");
        table.column("Levels");
        table.column("Votes");
        for (DefinedNode node : nodes) {
            table.addRow().addContent(node.name(), node.status(), node.address(), Formats.list(node.levels()),
                    (voters.contains(node.name()) ? "yes" : "no (learner)")
                            + (node.name().equals(leader) ? ", leader" : ""));
        }
        return table;
    }

    static ShellTable groups(List<GroupInfo> groups) {
        ShellTable table = new ShellTable().emptyTableText("no groups");
        table.column("Group");
        table.column("Level").alignRight();
        table.column("Potential").alignRight();
        table.column("Epoch").alignRight();
        table.column("Held");
        table.column("Members");
        for (GroupInfo group : groups) {
            String potential = group.potentialLevel() == 0 ? "-" : String.valueOf(group.potentialLevel());
            table.addRow().addContent(group.name(), group.level(), potential, group.epoch(),
                    group.held() ? "held" : "-", Formats.list(group.members()));
        }
        return table;
    }

    static ShellTable history(List<AdjustRecord> records) {
        ShellTable table = new ShellTable().emptyTableText("no adjusts yet");
        table.column("When");
        table.column("Requested by");
        table.column("Groups");
        table.column("From").alignRight();
        table.column("To").alignRight();
        table.column("Epoch").alignRight();
        table.column("Duration").alignRight();
        table.column("Outcome");
        for (AdjustRecord record : records) {
            table.addRow().addContent(DateTimeFormatter.ISO_INSTANT.format(record.when().truncatedTo(ChronoUnit.MILLIS)),
                    record.requestedBy(), Formats.list(record.groups()), record.fromLevel(), record.toLevel(),
                    record.epoch(), Formats.duration(record.duration()), record.outcome());
        }
        return table;
    }

    /** fingerprint → node */
    static ShellTable revoked(Map<String, String> certificates) {
        ShellTable table = new ShellTable().emptyTableText("no certificate revoked");
        table.column("Node");
        table.column("SHA-256");
        certificates.forEach((fingerprint, node) -> table.addRow().addContent(node, fingerprint));
        return table;
    }

    static ShellTable acl(Map<String, List<String>> rules) {
        ShellTable table = new ShellTable().emptyTableText("no rules");
        table.column("Operation");
        table.column("Roles");
        rules.forEach((operation, roles) -> table.addRow().addContent(operation, Formats.list(roles)));
        return table;
    }
}
