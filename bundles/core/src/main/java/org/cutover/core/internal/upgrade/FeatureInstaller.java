package org.cutover.core.internal.upgrade;

/**
 * Installs a feature in this node, or only simulates it: in Karaf, its FeaturesService from the node's own
 * repositories (system/), offline; in the tests, a change of the node's infrastructure levels.
 */
@FunctionalInterface
public interface FeatureInstaller {

    /**
     * What an install did: a line for the report, and the infrastructure levels the feature's bundles declare,
     * which the node runs once it is capable (none for a simulation).
     */
    record Installed(String detail, java.util.Set<Integer> levels) {
        public Installed {
            levels = java.util.Set.copyOf(levels);
        }
    }

    /**
     * @param feature  {@code name/version}
     * @param simulate resolve only: report what would be installed, change nothing
     * @return what it did, or would do
     * @throws Exception why it cannot; the message is what the upgrade's report shows
     */
    Installed install(String feature, boolean simulate) throws Exception;

    /**
     * Uninstalls the feature, unless that takes away a level a group runs: {@code groupLevels} (group → level) are
     * the cluster's groups.
     *
     * @return what it did, or would do, and the levels the node runs after it
     * @throws Exception why it cannot (the groups it would take a level from); nothing was changed then
     */
    default Installed uninstall(String feature, java.util.Map<String, Integer> groupLevels, boolean simulate)
            throws Exception {
        throw new UnsupportedOperationException("this node cannot retire features");
    }

    /**
     * Why taking {@code retired} away leaves a group without its level, or null when it does not: the levels only
     * the retired bundles serve here, against the levels the groups run.
     */
    static String retireRefusal(String feature, java.util.Set<Integer> retired, java.util.Set<Integer> servedElsewhere,
                                java.util.Map<String, Integer> groupLevels) {
        java.util.Set<Integer> lost = new java.util.TreeSet<>(retired);
        lost.removeAll(servedElsewhere);
        java.util.Map<Integer, java.util.List<String>> hit = new java.util.TreeMap<>();
        new java.util.TreeMap<>(groupLevels).forEach((group, level) -> {
            if (lost.contains(level)) {
                hit.computeIfAbsent(level, l -> new java.util.ArrayList<>()).add(group);
            }
        });
        if (hit.isEmpty()) {
            return null;
        }
        StringBuilder why = new StringBuilder("refused: only " + feature + " serves ");
        hit.forEach((level, groups) -> why.append("level ").append(level).append(" here, which ")
                .append(String.join(", ", groups)).append(groups.size() == 1 ? " runs; " : " run; "));
        return why.append("adjust those groups to a level another infrastructure serves first").toString();
    }
}
