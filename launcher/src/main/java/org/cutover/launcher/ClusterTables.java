package org.cutover.launcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rows of {@code cluster:node-list --no-format} and {@code cluster:group-list --no-format} (tab separated,
 * header first) as records: the one place the launcher reads the shell's tables.
 */
public final class ClusterTables {

    /** one node as a node sees it: name, ACTIVE / INACTIVE / PARTITIONED, its levels as printed ("1, 2") */
    public record NodeRow(String name, String status, String levels) {

        public boolean active() {
            return "ACTIVE".equals(status);
        }

        public Set<Integer> levelSet() {
            return numbers(levels);
        }
    }

    /** one group: its level, held or not, its members ("node1#3, node2#1") */
    public record GroupRow(String name, int level, int epoch, boolean held, List<String> members) {

        /** true when one of the members lives on {@code node} (member names are node#n) */
        public boolean hasMemberOn(String node) {
            return members.stream().anyMatch(m -> m.startsWith(node + "#"));
        }
    }

    private ClusterTables() {
    }

    public static List<NodeRow> nodes(String noFormatOutput) {
        List<NodeRow> rows = new ArrayList<>();
        for (String[] f : rows(noFormatOutput, "Node")) {
            if (f.length >= 4) {
                rows.add(new NodeRow(f[0], f[1], f[3]));
            }
        }
        return rows;
    }

    public static List<GroupRow> groups(String noFormatOutput) {
        List<GroupRow> rows = new ArrayList<>();
        for (String[] f : rows(noFormatOutput, "Group")) {
            if (f.length >= 6) {
                List<String> members = "-".equals(f[5]) ? List.of() : Arrays.asList(f[5].split(",\\s*"));
                rows.add(new GroupRow(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[3]), "held".equals(f[4]),
                        members));
            }
        }
        return rows;
    }

    private static List<String[]> rows(String output, String firstHeader) {
        List<String[]> rows = new ArrayList<>();
        for (String line : output.split("\\R")) {
            String[] fields = line.split("\t");
            for (int i = 0; i < fields.length; i++) {
                fields[i] = fields[i].strip();
            }
            if (fields.length > 1 && !fields[0].equals(firstHeader)) {
                rows.add(fields);
            }
        }
        return rows;
    }

    private static Set<Integer> numbers(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String s : list.split(",\\s*")) {
            if (s.strip().matches("\\d+")) {
                out.add(Integer.parseInt(s.strip()));
            }
        }
        return out;
    }
}
