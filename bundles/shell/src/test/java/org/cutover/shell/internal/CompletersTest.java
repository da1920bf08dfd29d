package org.cutover.shell.internal;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupInfo;
import org.cutover.api.NodeStatus;
import org.junit.Test;

public class CompletersTest {

    private final FakeClusterService cluster = new FakeClusterService(
            new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1, 2))),
            new DefinedNode("node2", NodeStatus.ACTIVE, "b", new TreeSet<>(Set.of(1, 3))),
            new DefinedNode("edge1", NodeStatus.INACTIVE, "c", new TreeSet<>(Set.of(1))));

    @Test
    public void groupNamesCompleteFromTheGroupService() {
        GroupNameCompleter completer = new GroupNameCompleter();
        completer.groupService = new FakeGroupService(new GroupInfo("orders", 1, 1, 1, List.of()),
                new GroupInfo("orders-archive", 1, 1, 1, List.of()), new GroupInfo("users", 1, 1, 1, List.of()));
        assertEquals(List.of("orders", "orders-archive"), complete(completer, "ord"));
        assertEquals(List.of("orders", "orders-archive", "users"), complete(completer, ""));
    }

    @Test
    public void nodeNamesCompleteFromTheDefinedNodes() {
        NodeNameCompleter completer = new NodeNameCompleter();
        completer.clusterService = cluster;
        assertEquals(List.of("node1", "node2"), complete(completer, "no"));
        assertEquals(List.of("edge1"), complete(completer, "e"));
    }

    @Test
    public void levelsAreEveryLevelSomeDefinedNodeCanRun() {
        LevelCompleter completer = new LevelCompleter();
        completer.clusterService = cluster;
        assertEquals(List.of("1", "2", "3"), complete(completer, ""));
        assertEquals(List.of("3"), complete(completer, "3"));
    }

    private static List<String> complete(Completer completer, String typed) {
        List<String> candidates = new ArrayList<>();
        completer.complete(null, new TypedArgument(typed), candidates);
        return candidates.stream().map(String::trim).sorted().collect(Collectors.toList());
    }

    /** the command line with the cursor at the end of the one argument being typed */
    private static final class TypedArgument implements CommandLine {
        private final String typed;

        TypedArgument(String typed) {
            this.typed = typed;
        }

        @Override
        public int getCursorArgumentIndex() {
            return 0;
        }

        @Override
        public String getCursorArgument() {
            return typed;
        }

        @Override
        public int getArgumentPosition() {
            return typed.length();
        }

        @Override
        public String[] getArguments() {
            return new String[] {typed};
        }

        @Override
        public int getBufferPosition() {
            return typed.length();
        }

        @Override
        public String getBuffer() {
            return typed;
        }
    }
}
