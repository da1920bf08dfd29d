package org.cutover.core.internal.osgi;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Dependency;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The fast path of a node's install. A feature whose feature dependencies are installed already and that brings
 * only bundles (no configuration, no conditional, no requirement of its own), as an infrastructure feature does,
 * is installed by the framework: each missing bundle from its location (system/, through pax-url, offline),
 * resolved against the bundles already there ({@code FrameworkWiring.resolveBundles}: no other bundle is refreshed
 * or restarted), then started. Karaf's resolver spent 0.7-1.8 s of each install on this machine computing the
 * same thing for the whole container. Karaf takes the feature into its own state afterwards, off the upgrade's
 * path: its deployer makes a bundle that a feature requires, and no unmanaged bundle uses, a managed one.
 */
final class DirectFeatureInstall {

    private final FeaturesService features;
    private final BundleContext context;

    DirectFeatureInstall(FeaturesService features, BundleContext context) {
        this.features = features;
        this.context = context;
    }

    /** why the framework alone cannot install {@code f} here (Karaf's resolver must), or null when it can */
    String whyNot(Feature f) throws Exception {
        if (!f.getConfigurations().isEmpty() || !f.getConfigurationFiles().isEmpty()) {
            return "it brings configuration";
        }
        if (!f.getConditional().isEmpty() || !f.getRequirements().isEmpty() || !f.getCapabilities().isEmpty()) {
            return "it has conditionals, requirements or capabilities of its own";
        }
        for (Dependency d : f.getDependencies()) {
            if (!dependencyInstalled(d)) {
                return "feature " + d.getName() + " " + d.getVersion() + " is not installed";
            }
        }
        return null;
    }

    private boolean dependencyInstalled(Dependency d) throws Exception {
        return installed(d.getName(), d.getVersion());
    }

    /** whether a feature of that name is installed, in the version or range given (none: any version) */
    boolean installed(String name, String v) throws Exception {
        VersionRange range = v == null || v.isBlank() || "0.0.0".equals(v) ? null
                : v.startsWith("[") || v.startsWith("(") ? new VersionRange(v)
                : new VersionRange(VersionRange.LEFT_CLOSED, Version.parseVersion(v), Version.parseVersion(v),
                        VersionRange.RIGHT_CLOSED);
        for (Feature installed : features.listInstalledFeatures()) {
            if (installed.getName().equals(name)
                    && (range == null || range.includes(Version.parseVersion(installed.getVersion())))) {
                return true;
            }
        }
        return false;
    }

    /** the feature's bundles this node lacks */
    List<BundleInfo> missing(Feature f) {
        List<BundleInfo> missing = new ArrayList<>();
        for (BundleInfo info : f.getBundles()) {
            if (context.getBundle(info.getLocation()) == null) {
                missing.add(info);
            }
        }
        return missing;
    }

    /**
     * What {@link #install} would do, changing nothing: each missing bundle is read from its location, and each of
     * its mandatory package imports and requirements must be met by a bundle resolved here now; null when it would
     * install, else why not (the first unmet requirement)
     */
    String simulate(Feature f) throws Exception {
        for (BundleInfo info : missing(f)) {
            Manifest manifest;
            try (InputStream in = new URL(info.getLocation()).openStream(); JarInputStream jar = new JarInputStream(in)) {
                manifest = jar.getManifest();
            } catch (java.io.IOException e) {
                return "cannot read " + info.getLocation() + ": " + e.getMessage();
            }
            if (manifest == null) {
                return info.getLocation() + " has no manifest";
            }
            String unmet = Requirements.firstUnmet(manifest, this::provided);
            if (unmet != null) {
                return info.getLocation() + " needs " + unmet + ", which no resolved bundle here provides";
            }
        }
        return null;
    }

    /** the capabilities of namespace {@code ns} the resolved bundles here provide */
    List<Map<String, Object>> provided(String ns) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (wiring != null) {
                for (BundleCapability c : wiring.getCapabilities(ns)) {
                    out.add(c.getAttributes());
                }
            }
        }
        return out;
    }

    /**
     * Installs and starts the missing bundles; when the framework cannot resolve them against what is here, they
     * are uninstalled again and the exception says so (nothing else was touched).
     */
    List<Bundle> install(Feature f) throws Exception {
        List<Bundle> installed = new ArrayList<>();
        try {
            for (BundleInfo info : missing(f)) {
                Bundle b = context.installBundle(info.getLocation());
                installed.add(b);
                if (info.getStartLevel() > 0) {
                    b.adapt(BundleStartLevel.class).setStartLevel(info.getStartLevel());
                }
            }
            FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
            if (!wiring.resolveBundles(installed)) {
                List<String> unresolved = new ArrayList<>();
                for (Bundle b : installed) {
                    if (b.getState() == Bundle.INSTALLED) {
                        unresolved.add(b.getSymbolicName() + "/" + b.getVersion());
                    }
                }
                throw new IllegalStateException("the framework cannot resolve " + unresolved + " against this node's "
                        + "bundles");
            }
            for (Bundle b : installed) {
                b.start();
            }
            return installed;
        } catch (Exception | Error e) {
            for (Bundle b : installed) {
                try {
                    b.uninstall();
                } catch (Exception cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }
}
