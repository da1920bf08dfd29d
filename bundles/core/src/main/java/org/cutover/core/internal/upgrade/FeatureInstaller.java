package org.cutover.core.internal.upgrade;

/**
 * Installs a feature in this node, or only simulates it: in Karaf, its FeaturesService from the node's own
 * repositories (system/), offline; in the tests, a change of the node's infrastructure levels.
 */
@FunctionalInterface
public interface FeatureInstaller {

    /**
     * @param feature  {@code name/version}
     * @param simulate resolve only: report what would be installed, change nothing
     * @return what it did, or would do, in a line
     * @throws Exception why it cannot; the message is what the upgrade's report shows
     */
    String install(String feature, boolean simulate) throws Exception;
}
