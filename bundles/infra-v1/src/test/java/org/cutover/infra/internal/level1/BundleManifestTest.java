package org.cutover.infra.internal.level1;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.cutover.api.spi.InfraProtocol;
import org.junit.BeforeClass;
import org.junit.Test;
import org.osgi.resource.Capability;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import aQute.bnd.osgi.Domain;
import aQute.bnd.osgi.resource.ResourceBuilder;

/** Reads the manifest and component description that bnd wrote into this module's output. */
public class BundleManifestTest {

    private static Path classes;
    private static Manifest manifest;

    @BeforeClass
    public static void readManifest() throws Exception {
        classes = Path.of(Level1Protocol.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = Files.newInputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
    }

    @Test
    public void isInfraBundleOneZeroZeroExportingNothing() {
        Attributes headers = manifest.getMainAttributes();
        assertEquals("org.cutover.infra", headers.getValue("Bundle-SymbolicName"));
        assertEquals("1.0.0", headers.getValue("Bundle-Version"));
        assertNull(headers.getValue("Export-Package"));
        assertEquals("org.cutover.infra.internal.level1", headers.getValue("Private-Package"));
    }

    @Test
    public void providesTheLevelOneCapabilityOnly() throws Exception {
        ResourceBuilder resource = new ResourceBuilder();
        resource.addManifest(Domain.domain(manifest));
        List<Object> levels = resource.build().getCapabilities(InfraProtocol.CAPABILITY_NAMESPACE).stream()
                .map(Capability::getAttributes)
                .map(attributes -> attributes.get(InfraProtocol.CAPABILITY_LEVEL_ATTRIBUTE))
                .collect(Collectors.toList());
        assertEquals(List.of(1L), levels);
    }

    @Test
    public void importsTheSpiForAnyMinorVersionOfItsMajor() {
        String imports = manifest.getMainAttributes().getValue("Import-Package");
        assertTrue(imports, imports.contains("org.cutover.api.spi;version=\"[1.2,2)\""));
    }

    @Test
    public void declaresOneInfraProtocolComponentAtLevelOne() throws Exception {
        String components = manifest.getMainAttributes().getValue("Service-Component");
        assertEquals("OSGI-INF/org.cutover.infra.internal.level1.Level1Protocol.xml", components);
        Document component = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(classes.resolve(components).toFile());
        Element provide = (Element) component.getElementsByTagName("provide").item(0);
        assertEquals(InfraProtocol.class.getName(), provide.getAttribute("interface"));
        Element property = (Element) component.getElementsByTagName("property").item(0);
        assertEquals(InfraProtocol.LEVEL_PROPERTY, property.getAttribute("name"));
        assertEquals("Integer", property.getAttribute("type"));
        assertEquals("1", property.getAttribute("value"));
        assertEquals(1, component.getElementsByTagName("property").getLength());
    }
}
