package org.cutover.core.internal.osgi;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.cutover.core.internal.wire.Envelope.Kar;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A KAR as a node takes it: checked, read, parsed and written where pax-url finds it; hostile ones refused. */
public class KarArchiveTest {

    private static final String FEATURES = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<features name=\"cutover-infra-3.0.0\" xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">\n"
            + "  <feature name=\"cutover-infra\" version=\"3.0.0\" description=\"levels 1, 2 and 3\">\n"
            + "    <feature>cutover-core</feature>\n"
            + "    <bundle start-level=\"78\">mvn:org.cutover/org.cutover.infra.v3/1.0.0-SNAPSHOT</bundle>\n"
            + "  </feature>\n"
            + "</features>\n";
    private static final String FEATURES_PATH = "org/cutover/cutover-infra-3/1.0.0-SNAPSHOT/"
            + "cutover-infra-3-1.0.0-SNAPSHOT-features.xml";
    private static final String BUNDLE_PATH = "org/cutover/org.cutover.infra.v3/1.0.0-SNAPSHOT/"
            + "org.cutover.infra.v3-1.0.0-SNAPSHOT.jar";
    private static final byte[] BUNDLE = {'P', 'K', 3, 4, 42};

    @Rule
    public final TemporaryFolder folder = new TemporaryFolder();

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static Map<String, byte[]> infraThree() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
        entries.put("repository/" + FEATURES_PATH, FEATURES.getBytes(StandardCharsets.UTF_8));
        entries.put("repository/org/cutover/cutover-infra-3/1.0.0-SNAPSHOT/maven-metadata-local.xml",
                "<metadata/>".getBytes(StandardCharsets.UTF_8));
        entries.put("repository/" + BUNDLE_PATH, BUNDLE);
        return entries;
    }

    private static Kar kar(String name, byte[] bytes) {
        return new Kar(name, Kar.sha256Of(bytes), bytes);
    }

    @Test
    public void readsTheRepositoryAndTheFeaturesItDeclares() throws Exception {
        KarArchive archive = KarArchive.read(kar("cutover-infra-3-1.0.0-SNAPSHOT.kar", zip(infraThree())));
        assertEquals(List.of(FEATURES_PATH), archive.featureRepositories());
        KarArchive.FeatureDecl f = archive.feature("cutover-infra", "3.0.0").orElseThrow();
        assertEquals(List.of("mvn:org.cutover/org.cutover.infra.v3/1.0.0-SNAPSHOT"), f.bundles());
        assertEquals(List.of("cutover-core"), f.dependencies());
        assertTrue(archive.feature("cutover-infra", "2.0.0").isEmpty());
        assertArrayEquals(BUNDLE, archive.artifact("mvn:org.cutover/org.cutover.infra.v3/1.0.0-SNAPSHOT").orElseThrow());
        assertArrayEquals(BUNDLE, archive.artifact("mvn:org.cutover/org.cutover.infra.v3/1.0.0-SNAPSHOT/jar")
                .orElseThrow());
        assertTrue(archive.artifact("mvn:org.cutover/org.cutover.infra.v2/1.0.0-SNAPSHOT").isEmpty());
    }

    @Test
    public void writesIntoTheNodesRepositoryOnceAndNeverOverWhatTheNodeHas() throws Exception {
        Path system = folder.getRoot().toPath().resolve("system");
        Path kept = system.resolve("org/apache/karaf/other/1.0/other-1.0.jar");
        Files.createDirectories(kept.getParent());
        Files.write(kept, new byte[] {9});
        KarArchive archive = KarArchive.read(kar("cutover-infra-3.kar", zip(infraThree())));
        assertEquals(3, archive.writeTo(system));
        assertArrayEquals(BUNDLE, Files.readAllBytes(system.resolve(BUNDLE_PATH)));
        assertEquals(FEATURES, Files.readString(system.resolve(FEATURES_PATH)));
        assertArrayEquals("what was there stays", new byte[] {9}, Files.readAllBytes(kept));
        assertEquals("the same KAR again writes nothing", 0, archive.writeTo(system));

        Map<String, byte[]> changed = infraThree();
        changed.put("repository/" + BUNDLE_PATH, new byte[] {'P', 'K', 3, 4, 43});
        changed.put("repository/org/cutover/new/1.0/new-1.0.jar", new byte[] {1});
        IOException refused = assertThrows(IOException.class, () -> KarArchive.read(kar("other.kar", zip(changed)))
                .writeTo(system));
        assertTrue(refused.getMessage(), refused.getMessage().contains("holds other bytes for " + BUNDLE_PATH));
        assertArrayEquals(BUNDLE, Files.readAllBytes(system.resolve(BUNDLE_PATH)));
        assertFalse("nothing of a refused KAR is written", Files.exists(system.resolve("org/cutover/new")));
        try (var files = Files.walk(system)) {
            assertEquals("no half-written file is left", 0, files.filter(p -> p.toString().endsWith(".part")).count());
        }
    }

    @Test
    public void bytesThatAreNotTheOnesTheChecksumNamesAreRefused() throws Exception {
        byte[] bytes = zip(infraThree());
        byte[] other = bytes.clone();
        other[other.length / 2] ^= 1;
        IOException e = assertThrows(IOException.class, () -> KarArchive.read(new Kar("x.kar", Kar.sha256Of(bytes),
                other)));
        assertTrue(e.getMessage(), e.getMessage().contains("have SHA-256"));
    }

    @Test
    public void anEntryThatLeavesTheRepositoryIsRefused() throws Exception {
        for (String evil : List.of("repository/../../etc/users.properties", "repository//etc/passwd",
                "repository/a/./b.jar", "repository/C:\\\\x.jar", "repository/a\\\\..\\\\..\\\\b")) {
            Map<String, byte[]> entries = infraThree();
            entries.put(evil, new byte[] {1});
            IOException e = assertThrows(evil, IOException.class, () -> KarArchive.read(kar("evil.kar",
                    zip(entries))));
            assertTrue(e.getMessage(), e.getMessage().contains("outside its repository"));
        }
        assertFalse(KarArchive.safe("/abs/path"));
        assertTrue(KarArchive.safe("org/cutover/a-1.0.jar"));
    }

    @Test
    public void aFeatureRepositoryWithADoctypeIsNotParsed() throws Exception {
        Map<String, byte[]> entries = infraThree();
        entries.put("repository/" + FEATURES_PATH, ("<?xml version=\"1.0\"?>\n<!DOCTYPE features [<!ENTITY x SYSTEM"
                + " \"file:///etc/passwd\">]>\n<features xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                + "<feature name=\"&x;\" version=\"1\"/></features>").getBytes(StandardCharsets.UTF_8));
        KarArchive archive = KarArchive.read(kar("xxe.kar", zip(entries)));
        IOException e = assertThrows(IOException.class, archive::featureRepositories);
        assertTrue(e.getMessage(), e.getMessage().contains("DOCTYPE"));
    }

    @Test
    public void somethingThatIsNoKarIsRefused() throws Exception {
        assertThrows(IOException.class, () -> KarArchive.read(kar("empty.kar", zip(Map.of("README", new byte[1])))));
        assertThrows(IOException.class, () -> KarArchive.read(kar("junk.kar", new byte[] {1, 2, 3})));
    }
}
