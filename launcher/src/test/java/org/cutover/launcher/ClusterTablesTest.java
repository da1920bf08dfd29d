package org.cutover.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Set;

import org.cutover.launcher.ClusterTables.GroupRow;
import org.cutover.launcher.ClusterTables.NodeRow;
import org.junit.Test;

public class ClusterTablesTest {

    @Test
    public void nodeListWithoutFormatGivesOneRowPerNodeWithItsLevels() {
        String out = "Node\tStatus\tAddress\tLevels\tVotes\n"
                + "node1\tACTIVE\t127.0.0.1:8527\t1, 2\tyes\n"
                + "node2\tPARTITIONED\t127.0.0.1:7542\t1\tyes\n"
                + "node3\tINACTIVE\t-\t-\tno\n";
        List<NodeRow> rows = ClusterTables.nodes(out);
        assertEquals(3, rows.size());
        assertEquals(new NodeRow("node1", "ACTIVE", "1, 2"), rows.get(0));
        assertEquals(Set.of(1, 2), rows.get(0).levelSet());
        assertTrue(rows.get(0).active());
        assertFalse(rows.get(1).active());
        assertEquals(Set.of(), rows.get(2).levelSet());
    }

    @Test
    public void groupListWithoutFormatGivesLevelHoldAndMembersByNode() {
        String out = "Group\tLevel\tPotential\tEpoch\tHeld\tMembers\n"
                + "kv\t2\t2\t3\t-\tnode1#1.1, node2#1.1, node13#2.1\n"
                + "empty\t1\t-\t1\theld\t-\n";
        List<GroupRow> rows = ClusterTables.groups(out);
        assertEquals(2, rows.size());
        GroupRow kv = rows.get(0);
        assertEquals(2, kv.level());
        assertEquals(3, kv.epoch());
        assertFalse(kv.held());
        assertTrue(kv.hasMemberOn("node1"));
        assertTrue(kv.hasMemberOn("node13"));
        assertFalse("node1 is not node13's prefix by name", kv.hasMemberOn("node3"));
        assertTrue(rows.get(1).held());
        assertEquals(List.of(), rows.get(1).members());
    }

    @Test
    public void anErrorMessageIsNoRow() {
        assertEquals(List.of(), ClusterTables.nodes("Error executing command: no cluster service\n"));
    }
}
