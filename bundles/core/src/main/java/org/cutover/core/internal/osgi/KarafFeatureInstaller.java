package org.cutover.core.internal.osgi;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.apache.karaf.features.FeaturesService.Option;
import org.cutover.core.internal.upgrade.FeatureInstaller;
import org.cutover.core.internal.wire.Envelope.Kar;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A node's part of a cluster-wide upgrade in Karaf: the feature from the node's own repositories (system/, offline),
 * without refreshing any other bundle (the infrastructure bundle comes beside the one running, which keeps its
 * wiring). A feature of bundles only, whose feature dependencies are installed, is installed by the framework
 * ({@link DirectFeatureInstall}) and taken into Karaf's state afterwards; any other, or one the framework cannot
 * resolve, as {@code feature:install} would, through Karaf's resolver. A dry run simulates the path the install
 * would take: the direct path's requirement check, else Karaf's own simulation.
 * The levels the feature brings are the ones its bundles declare ({@code org.cutover.infra} capabilities), read
 * from the installed bundles, as the node itself reads them.
 */
final class KarafFeatureInstaller implements FeatureInstaller {

    private static final System.Logger LOG = System.getLogger(KarafFeatureInstaller.class.getName());
    /** Karaf's resolver took up to 1.8 s here; a registration still running after this is reported, not waited on */
    private static final long REGISTRATION_TIMEOUT_MILLIS = 60_000;
    private static final long FEATURES_SERVICE_WAIT_MILLIS = 30_000;
    private static final long AFTER_ROLLOUT_MILLIS = 2_000;

    private final Supplier<FeaturesService> features;
    private final BundleContext context;
    private final BooleanSupplier rolloutRunning;
    /** the node's own Maven repository (system/), which pax-url reads offline */
    private final Path systemRepository;
    private volatile Thread registration;

    /**
     * @param rolloutRunning whether a cluster-wide rollout still runs: Karaf's resolver, about a second of CPU,
     *                       waits for its end, so that it does not slow the next node's install and the adjust
     */
    KarafFeatureInstaller(Supplier<FeaturesService> features, BundleContext context, BooleanSupplier rolloutRunning,
                          Path systemRepository) {
        this.features = features;
        this.context = context;
        this.rolloutRunning = rolloutRunning;
        this.systemRepository = systemRepository;
    }

    /** the features service and the feature named {@code name/version}, which may not exist (null) */
    private record Lookup(FeaturesService fs, String name, String version, Feature feature) {
    }

    private Lookup lookup(String feature) throws Exception {
        FeaturesService fs = features.get();
        // while the node boots, Karaf's features service may come a moment after Cutover's core
        for (long deadline = System.currentTimeMillis() + FEATURES_SERVICE_WAIT_MILLIS;
                fs == null && System.currentTimeMillis() < deadline; fs = features.get()) {
            Thread.sleep(100);
        }
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
        awaitRegistration();
        Lookup l = lookup(feature);
        FeaturesService fs = l.fs();
        Feature f = l.feature();
        if (f == null) {
            throw new IllegalStateException("no feature " + feature + " in this node's feature repositories");
        }
        DirectFeatureInstall direct = new DirectFeatureInstall(fs, context);
        if (fs.isInstalled(f) || direct.missing(f).isEmpty()) {
            return new Installed((simulate ? "has " : "already installed ") + feature,
                    simulate ? Set.of() : levels(f));
        }
        String whyNot = direct.whyNot(f);
        long start = System.nanoTime();
        if (whyNot == null && simulate) {
            String unmet = direct.simulate(f);
            if (unmet == null) {
                return new Installed("would install " + feature + " directly: " + direct.missing(f).size()
                        + " bundle(s) from system/, every requirement met here (" + millisSince(start) + " ms)",
                        Set.of());
            }
            whyNot = unmet;
        } else if (whyNot == null) {
            try {
                direct.install(f);
                String detail = "installed " + feature + " directly (framework " + millisSince(start) + " ms)";
                registerWithKaraf(fs, l);
                return new Installed(detail, levels(f));
            } catch (Exception e) {
                whyNot = e.getMessage();
            }
        }
        start = System.nanoTime();
        EnumSet<Option> options = EnumSet.of(Option.NoAutoRefreshBundles);
        if (simulate) {
            options.add(Option.Simulate);
        }
        fs.installFeature(l.name(), l.version(), options);
        long millis = millisSince(start);
        String through = whyNot + "; through Karaf's resolver: ";
        return simulate ? new Installed(through + "resolves " + feature + " offline (Karaf's simulation, " + millis
                + " ms)", Set.of()) : new Installed(through + "installed " + feature + " (Karaf " + millis + " ms)",
                levels(f));
    }

    /**
     * Takes a KAR without installing its features: its artifacts into the node's system/, where pax-url resolves
     * {@code mvn:} locations offline as for every other feature, and its feature repositories registered with
     * Karaf. The rollout installs the feature itself, one node at a time (Karaf's KAR service would install every
     * feature of the KAR at once, and the {@code kar} feature is not booted here).
     * A simulation checks the bytes, finds the feature in the KAR, and checks that its bundles' requirements are met
     * here as the direct install would, reading them from the KAR.
     */
    @Override
    public Installed deliver(Kar kar, String feature, boolean simulate) throws Exception {
        long start = System.nanoTime();
        KarArchive archive = KarArchive.read(kar);
        int slash = feature.indexOf('/');
        java.util.Optional<KarArchive.FeatureDecl> found = archive.feature(feature.substring(0, slash),
                feature.substring(slash + 1));
        if (found.isEmpty()) {
            throw new IllegalStateException(kar.name() + " holds no feature " + feature + " (it holds "
                    + names(archive) + ")");
        }
        KarArchive.FeatureDecl f = found.get();
        Lookup l = lookup(feature);
        if (simulate) {
            DirectFeatureInstall direct = new DirectFeatureInstall(l.fs(), context);
            for (String needed : f.dependencies()) {
                int s = needed.indexOf('/');
                if (!direct.installed(s < 0 ? needed : needed.substring(0, s), s < 0 ? null : needed.substring(s + 1))) {
                    return new Installed("would take " + kar + "; " + feature + " needs feature " + needed + ", not"
                            + " installed here: Karaf's resolver would install it, which only the install can run",
                            Set.of());
                }
            }
            for (String location : f.bundles()) {
                if (context.getBundle(location) != null) {
                    continue;
                }
                byte[] jar = archive.artifact(location).orElseThrow(() -> new IllegalStateException(kar.name()
                        + " does not hold " + location + " that " + feature + " needs"));
                Manifest manifest;
                try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(jar))) {
                    manifest = in.getManifest();
                }
                String unmet = manifest == null ? "a manifest" : Requirements.firstUnmet(manifest, direct::provided);
                if (unmet != null) {
                    throw new IllegalStateException(location + " in " + kar.name() + " needs " + unmet + ", which no"
                            + " resolved bundle here provides");
                }
            }
            return new Installed("would take " + kar + " and install " + feature + " directly: " + f.bundles().size()
                    + " bundle(s) from the KAR, every requirement met here (" + millisSince(start) + " ms)", Set.of());
        }
        int written = archive.writeTo(systemRepository);
        int registered = 0;
        for (String repo : archive.featureRepositories()) {
            java.net.URI uri = systemRepository.resolve(repo).toUri();
            if (l.fs().getRepository(uri) == null) {
                l.fs().addRepository(uri);
                registered++;
            }
        }
        return new Installed("took " + kar + ": " + written + " file(s) written into system/, " + registered
                + " feature repository(ies) registered (" + millisSince(start) + " ms)", Set.of());
    }

    private static String names(KarArchive archive) throws java.io.IOException {
        return archive.features().stream().map(d -> d.name() + "/" + d.version()).toList().toString();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /**
     * Has Karaf take a directly installed feature into its state, in a thread of its own, off the upgrade's path:
     * its resolver finds the bundles installed and manages them without a reinstall or a refresh, and from then
     * on {@code feature:list} shows the feature and {@code feature:uninstall} removes it.
     */
    private void registerWithKaraf(FeaturesService fs, Lookup l) {
        Thread t = new Thread(() -> {
            try {
                long deadline = System.currentTimeMillis() + REGISTRATION_TIMEOUT_MILLIS / 2;
                while (rolloutRunning.getAsBoolean() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(200);
                }
                // the automatic adjust follows the rollout's end at once: let it go first
                Thread.sleep(AFTER_ROLLOUT_MILLIS);
                fs.installFeature(l.name(), l.version(), EnumSet.of(Option.NoAutoRefreshBundles));
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "Karaf did not take the directly installed feature " + l.name()
                        + "/" + l.version() + " into its state: " + e);
            }
        }, "cutover-feature-registration");
        t.setDaemon(true);
        registration = t;
        t.start();
    }

    /** the registration of the last direct install is over before Karaf is asked anything else */
    private void awaitRegistration() throws InterruptedException {
        Thread t = registration;
        if (t != null) {
            t.join(REGISTRATION_TIMEOUT_MILLIS);
        }
    }

    /**
     * Uninstalls the feature without refreshing other bundles, after checking that every level a group runs is
     * still served here by another active bundle; a dry run checks only. Returns the levels the node then runs.
     */
    @Override
    public Installed uninstall(String feature, Map<String, Integer> groupLevels, boolean simulate) throws Exception {
        awaitRegistration();
        Lookup l = lookup(feature);
        FeaturesService fs = l.fs();
        Feature f = l.feature();
        boolean direct = f != null && !fs.isInstalled(f) && new DirectFeatureInstall(fs, context).missing(f).isEmpty();
        if (f == null || !fs.isInstalled(f) && !direct) {
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
        if (direct) {
            // installed directly and never taken into Karaf's state: the framework removes what it installed
            for (long id : retired) {
                context.getBundle(id).uninstall();
            }
            return new Installed("uninstalled " + feature + " directly (framework " + millisSince(start) + " ms)",
                    levelsAfter(Set.of()));
        }
        fs.uninstallFeature(l.name(), l.version(), EnumSet.of(Option.NoAutoRefreshBundles));
        return new Installed("uninstalled " + feature + " (Karaf " + millisSince(start) + " ms)", levelsAfter(Set.of()));
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
