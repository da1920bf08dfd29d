package org.cutover.infra.internal.level3;

import static org.junit.Assert.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.cutover.api.spi.InfraProtocol;
import org.cutover.infra.batch.Batches;
import org.junit.BeforeClass;
import org.junit.Test;
import org.osgi.resource.Capability;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import aQute.bnd.osgi.Domain;
import aQute.bnd.osgi.resource.ResourceBuilder;

/** Reads the manifest and component descriptions that bnd wrote into this module's output. */
public class BundleManifestTest {

    private static Path classes;
    private static Manifest manifest;

    @BeforeClass
    public static void readManifest() throws Exception {
        classes = Path.of(Level3Protocol.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = Files.newInputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
    }

    @Test
    public void isInfraBundleThreeZeroZeroExportingOnlyTheBatchPackage() {
        Attributes headers = manifest.getMainAttributes();
        assertEquals("org.cutover.infra", headers.getValue("Bundle-SymbolicName"));
        assertEquals("3.0.0", headers.getValue("Bundle-Version"));
        assertEquals("org.cutover.infra.batch;version=\"1.0.0\"", headers.getValue("Export-Package")
                .replaceAll(";uses:=\"[^\"]*\"", ""));
        assertEquals("org.cutover.infra.internal.level1,org.cutover.infra.internal.level2,"
                + "org.cutover.infra.internal.level3", headers.getValue("Private-Package"));
    }

    @Test
    public void providesLevelOneTwoAndThreeCapabilities() throws Exception {
        ResourceBuilder resource = new ResourceBuilder();
        resource.addManifest(Domain.domain(manifest));
        List<Object> levels = resource.build().getCapabilities(InfraProtocol.CAPABILITY_NAMESPACE).stream()
                .map(Capability::getAttributes)
                .map(attributes -> attributes.get(InfraProtocol.CAPABILITY_LEVEL_ATTRIBUTE))
                .collect(Collectors.toList());
        assertEquals(List.of(1L, 2L, 3L), levels);
    }

    @Test
    public void declaresOneInfraProtocolComponentPerLevelAndTheBatchService() throws Exception {
        Map<String, String> levelByComponent = new TreeMap<>();
        for (String path : manifest.getMainAttributes().getValue("Service-Component").split(",")) {
            Document component = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(classes.resolve(path).toFile());
            Element provide = (Element) component.getElementsByTagName("provide").item(0);
            List<String> properties = new ArrayList<>();
            for (int i = 0; i < component.getElementsByTagName("property").getLength(); i++) {
                Element property = (Element) component.getElementsByTagName("property").item(i);
                properties.add(property.getAttribute("name") + ":" + property.getAttribute("type") + "="
                        + property.getAttribute("value"));
            }
            levelByComponent.put(path, provide.getAttribute("interface") + " " + String.join(",", properties));
        }
        String protocol = InfraProtocol.class.getName() + " ";
        assertEquals(Map.of(
                "OSGI-INF/org.cutover.infra.internal.level1.Level1Protocol.xml", protocol + "cutover.infra.level:Integer=1",
                "OSGI-INF/org.cutover.infra.internal.level2.Level2Protocol.xml", protocol + "cutover.infra.level:Integer=2",
                "OSGI-INF/org.cutover.infra.internal.level3.Level3Protocol.xml", protocol + "cutover.infra.level:Integer=3",
                "OSGI-INF/org.cutover.infra.internal.level3.BatchService.xml", Batches.class.getName() + " "),
                levelByComponent);
    }
}
