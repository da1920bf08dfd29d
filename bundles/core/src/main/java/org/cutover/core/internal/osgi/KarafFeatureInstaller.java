package org.cutover.core.internal.osgi;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.features.FeaturesService.Option;
import org.cutover.core.internal.upgrade.FeatureInstaller;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A node's part of a cluster-wide upgrade in Karaf: the feature from the node's own repositories (system/, offline),
 * installed as {@code feature:install} would, but without refreshing any other bundle (the infrastructure bundle
 * comes beside the one running, which keeps its wiring); a dry run is Karaf's own simulation of that same install.
 * The levels the feature brings are the ones its bundles declare ({@code org.cutover.infra} capabilities), read
 * from the installed bundles, as the node itself reads them.
 */
final class KarafFeatureInstaller implements FeatureInstaller {

    private final Supplier<FeaturesService> features;
    private final BundleContext context;

    KarafFeatureInstaller(Supplier<FeaturesService> features, BundleContext context) {
        this.features = features;
        this.context = context;
    }

    /** the features service and the feature named {@code name/version}, which may not exist (null) */
    private record Lookup(FeaturesService fs, String name, String version, Feature feature) {
    }

    private Lookup lookup(String feature) throws Exception {
        FeaturesService fs = features.get();
        if (fs == null) {
            throw new IllegalStateException("this node has no Karaf FeaturesService");
        }
        int slash = feature.indexOf('/');
        String name = feature.substring(0, slash);
        String version = feature.substring(slash + 1);
        return new Lookup(fs, name, version, fs.getFeature(name, version));
    }

    @Override
    public Installed install(String feature, boolean simulate) throws Exception {
        Lookup l = lookup(feature);
        FeaturesService fs = l.fs();
        Feature f = l.feature();
        if (f == null) {
            throw new IllegalStateException("no feature " + feature + " in this node's feature repositories");
        }
        if (fs.isInstalled(f)) {
            return new Installed((simulate ? "has " : "already installed ") + feature,
                    simulate ? Set.of() : levels(f));
        }
        EnumSet<Option> options = EnumSet.of(Option.NoAutoRefreshBundles);
        if (simulate) {
            options.add(Option.Simulate);
        }
        long start = System.nanoTime();
        fs.installFeature(l.name(), l.version(), options);
        long millis = (System.nanoTime() - start) / 1_000_000;
        return simulate ? new Installed("resolves " + feature + " offline (Karaf's simulation, " + millis + " ms)",
                Set.of()) : new Installed("installed " + feature + " (Karaf " + millis + " ms)", levels(f));
    }

    /**
     * Uninstalls the feature without refreshing other bundles, after checking that every level a group runs is
     * still served here by another active bundle; a dry run checks only. Returns the levels the node then runs.
     */
    @Override
    public Installed uninstall(String feature, Map<String, Integer> groupLevels, boolean simulate) throws Exception {
        Lookup l = lookup(feature);
        FeaturesService fs = l.fs();
        Feature f = l.feature();
        if (f == null || !fs.isInstalled(f)) {
            return new Installed(feature + " is not installed here", simulate ? Set.of() : levelsAfter(Set.of()));
        }
        Set<Long> retired = new HashSet<>();
        for (BundleInfo info : f.getBundles()) {
            Bundle b = context.getBundle(info.getLocation());
            if (b != null) {
                retired.add(b.getBundleId());
            }
        }
        String refusal = FeatureInstaller.retireRefusal(feature, levels(f), levelsAfter(retired), groupLevels);
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        if (simulate) {
            return new Installed("may retire " + feature + ": every level a group runs stays served", Set.of());
        }
        long start = System.nanoTime();
        fs.uninstallFeature(l.name(), l.version(), EnumSet.of(Option.NoAutoRefreshBundles));
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new Installed("uninstalled " + feature + " (Karaf " + millis + " ms)", levelsAfter(Set.of()));
    }

    /** the infrastructure levels the feature's own bundles declare */
    private Set<Integer> levels(Feature f) {
        Set<Integer> levels = new TreeSet<>();
        for (BundleInfo info : f.getBundles()) {
            Bundle b = context.getBundle(info.getLocation());
            if (b != null) {
                levels.addAll(NodeComponent.declaredLevels(b));
            }
        }
        return levels;
    }

    /** the levels the active bundles other than {@code leaving} declare */
    private Set<Integer> levelsAfter(Set<Long> leaving) {
        Set<Integer> levels = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.ACTIVE && !leaving.contains(b.getBundleId())) {
                levels.addAll(NodeComponent.declaredLevels(b));
            }
        }
        return levels;
    }
}
