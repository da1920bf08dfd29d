package org.cutover.core.internal.osgi;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;

import org.cutover.core.internal.wire.Envelope.Kar;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A KAR as a node takes it: the bytes checked against their SHA-256, the Maven repository under {@code repository/}
 * read into memory (no entry may leave it: no absolute path, no {@code ..}), the feature repositories in it parsed
 * (no DTD, no external entity), and its artifacts written into the node's own repository (system/).
 */
final class KarArchive {

    static final String REPOSITORY = "repository/";
    /** a KAR is small (3.0.0's is 21 KB): a larger unpacked size or entry count is not a KAR of ours */
    static final int MAX_ENTRIES = 10_000;
    static final long MAX_UNPACKED_BYTES = 256L * 1024 * 1024;
    private static final String FEATURES_NS_PREFIX = "http://karaf.apache.org/xmlns/features/";

    /** a feature a repository of the KAR declares: its bundles' locations and the features it needs */
    record FeatureDecl(String name, String version, List<String> bundles, List<String> dependencies) {
    }

    private final Kar kar;
    /** path under repository/ → bytes, in name order */
    private final Map<String, byte[]> artifacts;

    private KarArchive(Kar kar, Map<String, byte[]> artifacts) {
        this.kar = kar;
        this.artifacts = artifacts;
    }

    /** @throws IOException if the bytes are not the KAR their SHA-256 names, or not a KAR this node may take */
    static KarArchive read(Kar kar) throws IOException {
        String actual = Kar.sha256Of(kar.bytes());
        if (!actual.equals(kar.sha256())) {
            throw new IOException("the bytes of " + kar.name() + " have SHA-256 " + actual + ", not " + kar.sha256());
        }
        Map<String, byte[]> artifacts = new TreeMap<>();
        long unpacked = 0;
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(kar.bytes()))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (++entries > MAX_ENTRIES) {
                    throw new IOException(kar.name() + " has more than " + MAX_ENTRIES + " entries");
                }
                String name = e.getName();
                if (e.isDirectory() || !name.startsWith(REPOSITORY)) {
                    continue;
                }
                String path = name.substring(REPOSITORY.length());
                if (!safe(path)) {
                    throw new IOException(kar.name() + " holds an entry outside its repository: " + name);
                }
                byte[] bytes = zip.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_UNPACKED_BYTES - unpacked + 1));
                unpacked += bytes.length;
                if (unpacked > MAX_UNPACKED_BYTES) {
                    throw new IOException(kar.name() + " unpacks to more than " + MAX_UNPACKED_BYTES + " bytes");
                }
                artifacts.put(path, bytes);
            }
        }
        if (artifacts.isEmpty()) {
            throw new IOException(kar.name() + " is not a KAR: it has no " + REPOSITORY + " entries");
        }
        return new KarArchive(kar, artifacts);
    }

    /** a relative path of plain names: no absolute path, no empty, '.' or '..' segment, no backslash */
    static boolean safe(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf(':') >= 0) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** the paths (under repository/) of the feature repositories the KAR holds */
    List<String> featureRepositories() throws IOException {
        List<String> repos = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : artifacts.entrySet()) {
            String file = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
            if (e.getKey().endsWith(".xml") && !file.startsWith("maven-metadata")) {
                String ns = parse(e.getKey(), e.getValue()).getDocumentElement().getNamespaceURI();
                if (ns != null && ns.startsWith(FEATURES_NS_PREFIX)) {
                    repos.add(e.getKey());
                }
            }
        }
        return repos;
    }

    /** every feature the KAR's repositories declare */
    List<FeatureDecl> features() throws IOException {
        List<FeatureDecl> out = new ArrayList<>();
        for (String repo : featureRepositories()) {
            NodeList features = parse(repo, artifacts.get(repo)).getDocumentElement().getChildNodes();
            for (int i = 0; i < features.getLength(); i++) {
                if (features.item(i) instanceof Element f && "feature".equals(f.getLocalName())) {
                    List<String> bundles = new ArrayList<>();
                    List<String> needs = new ArrayList<>();
                    NodeList children = f.getChildNodes();
                    for (int j = 0; j < children.getLength(); j++) {
                        if (children.item(j) instanceof Element c) {
                            String text = c.getTextContent().strip();
                            if ("bundle".equals(c.getLocalName())) {
                                bundles.add(text);
                            } else if ("feature".equals(c.getLocalName())) {
                                String version = c.getAttribute("version");
                                needs.add(version.isEmpty() ? text : text + "/" + version);
                            }
                        }
                    }
                    String version = f.getAttribute("version");
                    out.add(new FeatureDecl(f.getAttribute("name"), version.isEmpty() ? "0.0.0" : version,
                            bundles, needs));
                }
            }
        }
        return out;
    }

    Optional<FeatureDecl> feature(String name, String version) throws IOException {
        return features().stream().filter(f -> f.name().equals(name) && f.version().equals(version)).findFirst();
    }

    /** the bytes of the artifact a {@code mvn:group/artifact/version[/type[/classifier]]} location names */
    Optional<byte[]> artifact(String location) {
        if (!location.startsWith("mvn:")) {
            return Optional.empty();
        }
        String[] parts = location.substring(4).split("/");
        if (parts.length < 3) {
            return Optional.empty();
        }
        String type = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : "jar";
        String classifier = parts.length > 4 && !parts[4].isEmpty() ? "-" + parts[4] : "";
        String path = parts[0].replace('.', '/') + "/" + parts[1] + "/" + parts[2] + "/" + parts[1] + "-" + parts[2]
                + classifier + "." + type;
        return Optional.ofNullable(artifacts.get(path));
    }

    /**
     * Puts the KAR's artifacts into {@code repository} (the node's own system/, which pax-url reads offline): an
     * artifact there with the same bytes is left as it is, Maven metadata is replaced, and an artifact there with
     * other bytes refuses the whole KAR before anything is written (a KAR does not replace what a node has). Each
     * file is written whole (a sibling renamed into place). Returns how many files it wrote.
     */
    int writeTo(Path repository) throws IOException {
        Map<Path, byte[]> writes = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : artifacts.entrySet()) {
            Path target = repository.resolve(e.getKey()).normalize();
            if (!target.startsWith(repository)) {
                throw new IOException("entry " + e.getKey() + " would leave " + repository);
            }
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), e.getValue())) {
                continue;
            }
            if (Files.exists(target) && !target.getFileName().toString().startsWith("maven-metadata")) {
                throw new IOException(kar.name() + " holds other bytes for " + e.getKey() + " than this node has in "
                        + repository + "; nothing of it was written");
            }
            writes.put(target, e.getValue());
        }
        for (Map.Entry<Path, byte[]> w : writes.entrySet()) {
            Path target = w.getKey();
            Files.createDirectories(target.getParent());
            Path part = target.resolveSibling(target.getFileName() + ".part");
            Files.write(part, w.getValue());
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return writes.size();
    }

    Kar kar() {
        return kar;
    }

    private Document parse(String path, byte[] xml) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            try (InputStream in = new ByteArrayInputStream(xml)) {
                return f.newDocumentBuilder().parse(in);
            }
        } catch (Exception e) {
            throw new IOException(kar.name() + ": " + path + " is not readable XML: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return kar + ", " + artifacts.size() + " artifact(s): " + Arrays.toString(artifacts.keySet().toArray());
    }
}
