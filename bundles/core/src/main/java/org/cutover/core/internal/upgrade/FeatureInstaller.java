package org.cutover.core.internal.upgrade;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
    record Installed(String detail, Set<Integer> levels) {
        public Installed {
            levels = Set.copyOf(levels);
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
     * Makes the feature repository of a KAR known here before {@code feature} is installed from it: checks the bytes
     * against their SHA-256, puts the KAR's artifacts into this node's own repository (system/) and registers its
     * feature repository; a KAR taken before is not taken again. A simulation checks the KAR and that the
     * feature's bundles in it would resolve here, and changes nothing; its result is the dry run's report.
     *
     * @return what it did, or would do (no levels: those come with the install)
     * @throws Exception why the KAR cannot be taken, or the feature would not install from it
     */
    default Installed deliver(org.cutover.core.internal.wire.Envelope.Kar kar, String feature, boolean simulate)
            throws Exception {
        throw new UnsupportedOperationException("this node cannot take a KAR");
    }

    /**
     * Uninstalls the feature, unless that takes away a level a group runs: {@code groupLevels} (group → level) are
     * the cluster's groups.
     *
     * @return what it did, or would do, and the levels the node runs after it
     * @throws Exception why it cannot (the groups it would take a level from); nothing was changed then
     */
    default Installed uninstall(String feature, Map<String, Integer> groupLevels, boolean simulate)
            throws Exception {
        throw new UnsupportedOperationException("this node cannot retire features");
    }

    /**
     * Why taking {@code retired} away leaves a group without its level, or null when it does not: the levels only
     * the retired bundles serve here, against the levels the groups run.
     */
    static String retireRefusal(String feature, Set<Integer> retired, Set<Integer> servedElsewhere,
                                Map<String, Integer> groupLevels) {
        Set<Integer> lost = new TreeSet<>(retired);
        lost.removeAll(servedElsewhere);
        Map<Integer, List<String>> hit = new TreeMap<>();
        new TreeMap<>(groupLevels).forEach((group, level) -> {
            if (lost.contains(level)) {
                hit.computeIfAbsent(level, l -> new ArrayList<>()).add(group);
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
