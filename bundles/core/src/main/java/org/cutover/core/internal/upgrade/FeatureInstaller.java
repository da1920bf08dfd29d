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
}
