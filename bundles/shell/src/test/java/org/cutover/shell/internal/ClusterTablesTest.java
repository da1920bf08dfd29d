package org.cutover.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.karaf.shell.support.table.ShellTable;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.Member;
import org.cutover.api.NodeStatus;
import org.cutover.api.version.AdjustRecord;
import org.junit.Test;

public class ClusterTablesTest {

    private static final List<DefinedNode> NODES = List.of(
            new DefinedNode("node1", NodeStatus.ACTIVE, "127.0.0.1:7800", new TreeSet<>(List.of(2, 1))),
            new DefinedNode("node2", NodeStatus.PARTITIONED, "127.0.0.1:7801", new TreeSet<>(List.of(1))),
            new DefinedNode("node3", NodeStatus.INACTIVE, "127.0.0.1:7802", new TreeSet<>()));

    private static final List<String> VOTERS = List.of("node1", "node2");

    @Test
    public void nodeListHasTheFiveColumnsInOrder() {
        List<String> lines = print(ClusterTables.nodes(NODES, VOTERS, ""), true);
        assertEquals(List.of("Node", "Status", "Address", "Levels", "Votes"), cells(lines.get(0)));
        assertEquals(List.of("node1", "ACTIVE", "127.0.0.1:7800", "1, 2", "yes"), cells(lines.get(2)));
        assertEquals(List.of("node3", "INACTIVE", "127.0.0.1:7802", "-", "no (learner)"), cells(lines.get(4)));
        assertEquals(5, lines.size());
    }

    @Test
    public void nodeListWithoutFormatIsTabSeparatedWithoutHeaders() {
        assertEquals(List.of(
                List.of("node1", "ACTIVE", "127.0.0.1:7800", "1, 2", "yes, leader"),
                List.of("node2", "PARTITIONED", "127.0.0.1:7801", "1", "yes"),
                List.of("node3", "INACTIVE", "127.0.0.1:7802", "-", "no (learner)")),
                tabSeparated(ClusterTables.nodes(NODES, VOTERS, "node1")));
    }

    @Test
    public void groupListShowsLevelPotentialEpochHoldAndMembersInJoinOrder() {
        List<GroupInfo> groups = List.of(
                new GroupInfo("orders", 1, 2, 3, List.of(new Member("node2", "node2#1"), new Member("node1", "node1#4")),
                        true),
                new GroupInfo("users", 2, 0, 12, List.of()));
        List<String> formatted = print(ClusterTables.groups(groups), true);
        assertEquals(List.of("Group", "Level", "Potential", "Epoch", "Held", "Members"), cells(formatted.get(0)));
        assertEquals(List.of("orders", "1", "2", "3", "held", "node2#1, node1#4"), cells(formatted.get(2)));
        assertEquals(List.of(List.of("orders", "1", "2", "3", "held", "node2#1, node1#4"),
                List.of("users", "2", "-", "12", "-", "-")), tabSeparated(ClusterTables.groups(groups)));
    }

    @Test
    public void historyShowsEveryColumnWithPendingDurationsAsADash() {
        List<AdjustRecord> records = List.of(
                new AdjustRecord(Instant.parse("2025-03-01T10:15:30.123456Z"), "node1", List.of("orders", "users"), 1, 2,
                        4, Duration.ofNanos(2_345_000), "APPLIED"),
                new AdjustRecord(Instant.parse("2025-03-02T08:00:00Z"), "node2", List.of("orders"), 2, 3, 5, null,
                        "INCOMPLETE"));
        List<String> formatted = print(ClusterTables.history(records), true);
        assertEquals(List.of("When", "Requested by", "Groups", "From", "To", "Epoch", "Duration", "Outcome"),
                cells(formatted.get(0)));
        assertEquals(List.of(
                List.of("2025-03-01T10:15:30.123Z", "node1", "orders, users", "1", "2", "4", "2.345 ms", "APPLIED"),
                List.of("2025-03-02T08:00:00Z", "node2", "orders", "2", "3", "5", "-", "INCOMPLETE")),
                tabSeparated(ClusterTables.history(records)));
    }

    @Test
    public void emptyTablesSaySo() {
        assertTrue(String.join("\n", print(ClusterTables.nodes(List.of(), List.of(), ""), true)).contains("no defined nodes"));
        assertTrue(String.join("\n", print(ClusterTables.groups(List.of()), true)).contains("no groups"));
        assertTrue(String.join("\n", print(ClusterTables.history(List.of()), true)).contains("no adjusts yet"));
    }

    static List<String> print(ShellTable table, boolean format) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            table.print(out, StandardCharsets.UTF_8, format);
        }
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
    }

    /** the rows printed without format, split at tabs; Karaf still pads the cells to the column width */
    private static List<List<String>> tabSeparated(ShellTable table) {
        return print(table, false).stream()
                .map(line -> Stream.of(line.split("\t")).map(String::trim).collect(Collectors.toList()))
                .collect(Collectors.toList());
    }

    /** the cells of one formatted row, trimmed */
    private static List<String> cells(String line) {
        return List.of(line.trim().split("\\s*│\\s*"));
    }
}
