package org.cutover.core.internal.osgi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

import org.junit.Test;
import org.osgi.framework.Version;

/** The dry run's reading of a bundle's requirements, against capabilities as the framework lists them. */
public class RequirementsTest {

    private static final Map<String, List<Map<String, Object>>> HERE = Map.of(
            "osgi.wiring.package", List.of(
                    Map.of("osgi.wiring.package", "org.cutover.api", "version", new Version(1, 4, 0)),
                    Map.of("osgi.wiring.package", "org.cutover.api.spi", "version", new Version(1, 1, 0))),
            "osgi.extender", List.of(Map.of("osgi.extender", "osgi.component", "version", new Version(1, 5, 0))),
            "osgi.ee", List.of(Map.of("osgi.ee", "JavaSE", "version", List.of(new Version(17, 0, 0)))));

    private static Manifest manifest(String imports, String requires) {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Import-Package", imports);
        if (requires != null) {
            a.putValue("Require-Capability", requires);
        }
        return m;
    }

    private static String unmet(Manifest m) throws Exception {
        return Requirements.firstUnmet(m, ns -> HERE.getOrDefault(ns, List.of()));
    }

    @Test
    public void importsAndRequirementsMetByTheBundlesHerePass() throws Exception {
        assertNull(unmet(manifest("org.cutover.api;version=\"[1.4,2)\",org.cutover.api.spi;version=\"[1.1,2)\"",
                "osgi.extender;filter:=\"(&(osgi.extender=osgi.component)(version>=1.5.0)(!(version>=2.0.0)))\","
                        + "osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version=17))\"")));
    }

    @Test
    public void aPackageOutsideItsRangeIsNamed() throws Exception {
        assertEquals("package org.cutover.api [1.5,2)",
                unmet(manifest("org.cutover.api.spi;version=\"[1.1,2)\",org.cutover.api;version=\"[1.5,2)\"", null)));
    }

    @Test
    public void anImportOfThePackageTheBundleExportsItselfIsMetByItsExport() throws Exception {
        // infra 3.0.0 imports org.cutover.infra.batch [1.0,1.1) and exports it at 1.0.0 (InfraThreeKarProcessIT's
        // dry run once failed on every node here, finding no other bundle that exports it)
        Manifest m = manifest("org.cutover.api;version=\"[1.4,2)\",org.cutover.infra.batch;version=\"[1.0,1.1)\"",
                null);
        m.getMainAttributes().putValue("Export-Package", "org.cutover.infra.batch;version=\"1.0.0\";uses:=\"org.cutover.api\"");
        assertNull(unmet(m));
        m.getMainAttributes().putValue("Export-Package", "org.cutover.infra.batch;version=\"1.1.0\"");
        assertEquals("an export outside the import's range meets nothing", "package org.cutover.infra.batch [1.0,1.1)",
                unmet(m));
    }

    @Test
    public void aMissingPackageIsNamedUnlessOptional() throws Exception {
        assertEquals("package org.example.missing", unmet(manifest("org.cutover.api,org.example.missing", null)));
        assertNull(unmet(manifest("org.cutover.api,org.example.missing;resolution:=optional", null)));
    }

    @Test
    public void aRequirementOfACapabilityNobodyProvidesIsNamed() throws Exception {
        assertEquals("osgi.service (objectClass=org.example.Missing)", unmet(manifest("org.cutover.api",
                "osgi.service;filter:=\"(objectClass=org.example.Missing)\"")));
        assertNull("only resolve-time requirements count", unmet(manifest("org.cutover.api",
                "osgi.service;filter:=\"(objectClass=org.example.Missing)\";effective:=active")));
    }

    @Test
    public void severalPackagesInOneClauseShareItsVersion() throws Exception {
        assertEquals("package org.cutover.api [2.0,3)",
                unmet(manifest("org.cutover.api;org.cutover.api.spi;version=\"[2.0,3)\"", null)));
    }
}
