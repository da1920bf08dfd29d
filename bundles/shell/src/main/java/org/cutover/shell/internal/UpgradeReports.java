package org.cutover.shell.internal;

import java.util.List;

import org.apache.karaf.shell.support.table.ShellTable;
import org.cutover.api.version.UpgradeStatus;
import org.cutover.api.version.UpgradeStatus.NodeProgress;
import org.cutover.api.version.UpgradeStatus.Phase;

/** What upgrade and upgrade-status print: one line per node with its progress bar, and how it ended. */
final class UpgradeReports {

    private UpgradeReports() {
    }

    /** "upgrade to cutover-infra/2.0.0 (dry run) asked by karaf@n1 at ...: RUNNING" */
    static String heading(UpgradeStatus u) {
        return (u.dryRun() ? "dry run of the " : "") + what(u) + u.feature() + ", asked by "
                + u.startedBy() + " at " + u.startedAt() + ", " + (u.dryRun() ? "every node at once"
                : u.parallel() == 1 ? "one node at a time" : u.parallel() + " nodes at a time") + ": " + u.state()
                + (u.endedBy().isEmpty() ? "" : " by " + u.endedBy());
    }

    /** "upgrade to " or "retirement of " */
    private static String what(UpgradeStatus u) {
        return u.retire() ? "retirement of " : "upgrade to ";
    }

    /** "n2  [#####.....] INSTALLING  installing cutover-infra/2.0.0" */
    static String line(NodeProgress p) {
        return String.format("%-12s %s %-10s %s", p.node(), bar(p.phase()), p.phase(), p.detail());
    }

    static String bar(Phase phase) {
        return switch (phase) {
            case WAITING -> "[..........]";
            case INSTALLING -> "[#####.....]";
            case CAPABLE, SIMULATED -> "[##########]";
            case FAILED -> "[!!!!!!!!!!]";
        };
    }

    static ShellTable table(UpgradeStatus u) {
        ShellTable table = new ShellTable();
        table.column("Node");
        table.column("Progress");
        table.column("Phase");
        table.column("Since");
        table.column("Detail");
        for (NodeProgress p : u.nodes()) {
            table.addRow().addContent(p.node(), bar(p.phase()), p.phase(), p.at(), p.detail());
        }
        return table;
    }

    /** whether it ended and no node is still installing (after a failure or an abort, one may still report) */
    static boolean settled(UpgradeStatus u) {
        return u.finished() && u.nodes().stream().noneMatch(p -> p.phase() == Phase.INSTALLING);
    }

    /**
     * the last line once it ended: what happened (every node that failed, and why), and what an operator can do
     * now; null when it went through
     */
    static String failure(UpgradeStatus u) {
        return switch (u.state()) {
            case RUNNING, DONE -> null;
            case FAILED -> {
                List<NodeProgress> failed = u.nodes().stream().filter(p -> p.phase() == Phase.FAILED).toList();
                String where = String.join("; ", failed.stream().map(p -> p.node() + ": " + p.detail()).toList());
                String nodes = Formats.list(failed.stream().map(NodeProgress::node).toList());
                yield "the " + (u.dryRun() ? "dry run of the " : "") + what(u) + u.feature() + " failed on " + where
                        + ". " + (u.dryRun() ? "Nothing was changed." : upgraded(u) + "Resume: fix " + nodes
                        + ", then run cluster:upgrade " + (u.retire() ? "--retire " : "") + u.feature()
                        + " again (nodes done report at once).");
            }
            case ABORTED -> "the " + what(u) + u.feature() + " was aborted by " + u.endedBy() + ". " + upgraded(u)
                    + "Resume with cluster:upgrade " + (u.retire() ? "--retire " : "") + u.feature() + ".";
        };
    }

    private static String upgraded(UpgradeStatus u) {
        List<String> capable = u.nodes().stream().filter(p -> p.phase() == Phase.CAPABLE).map(NodeProgress::node)
                .toList();
        if (u.retire()) {
            return (capable.isEmpty() ? "No node retired it" : Formats.list(capable) + " retired it")
                    + "; the groups keep their level. ";
        }
        return (capable.isEmpty() ? "No node installed it" : Formats.list(capable) + " installed it beside what "
                + (capable.size() == 1 ? "it runs" : "they run")) + "; the groups keep their level. ";
    }
}
