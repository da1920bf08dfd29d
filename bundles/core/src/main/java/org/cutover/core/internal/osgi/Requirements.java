package org.cutover.core.internal.osgi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.jar.Manifest;

import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * A bundle's mandatory requirements read from its manifest (Import-Package, Require-Bundle, Require-Capability)
 * as the namespace and filter the framework's resolver matches, so that a dry run can tell, without installing
 * anything, whether the bundles resolved now would meet them.
 */
final class Requirements {

    /** one requirement: its namespace, its filter, the header text it came from (for the message) */
    record Requirement(String namespace, String filter, String text) {
    }

    private Requirements() {
    }

    /** the first requirement no capability of {@code provided} meets, as the header said it; null if all are met */
    static String firstUnmet(Manifest manifest, Function<String, List<Map<String, Object>>> provided)
            throws InvalidSyntaxException {
        List<Map<String, Object>> ownPackages = exports(manifest);
        for (Requirement r : of(manifest)) {
            var filter = FrameworkUtil.createFilter(r.filter());
            // an import of a package the bundle exports itself (bnd's substitutable exports) is met by that export
            boolean own = r.namespace().equals("osgi.wiring.package") && ownPackages.stream().anyMatch(filter::matches);
            if (!own && provided.apply(r.namespace()).stream().noneMatch(filter::matches)) {
                return r.text();
            }
        }
        return null;
    }

    /** the packages the bundle exports, as the framework's package capabilities (name and version) */
    static List<Map<String, Object>> exports(Manifest manifest) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Clause c : clauses(manifest.getMainAttributes().getValue("Export-Package"))) {
            out.add(Map.of("osgi.wiring.package", c.name, "version",
                    Version.parseVersion(c.attributes.getOrDefault("version", "0.0.0"))));
        }
        return out;
    }

    static List<Requirement> of(Manifest manifest) {
        List<Requirement> out = new ArrayList<>();
        var main = manifest.getMainAttributes();
        for (Clause c : clauses(main.getValue("Import-Package"))) {
            if (!"optional".equals(c.directives.get("resolution"))) {
                String version = c.attributes.get("version");
                String filter = "(osgi.wiring.package=" + c.name + ")";
                if (version != null) {
                    filter = "(&" + filter + new VersionRange(version).toFilterString("version") + ")";
                }
                out.add(new Requirement("osgi.wiring.package", filter, "package " + c.name
                        + (version == null ? "" : " " + version)));
            }
        }
        for (Clause c : clauses(main.getValue("Require-Bundle"))) {
            if (!"optional".equals(c.directives.get("resolution"))) {
                out.add(new Requirement("osgi.wiring.bundle", "(osgi.wiring.bundle=" + c.name + ")", "bundle " + c.name));
            }
        }
        for (Clause c : clauses(main.getValue("Require-Capability"))) {
            String effective = c.directives.getOrDefault("effective", "resolve");
            if (!"optional".equals(c.directives.get("resolution")) && "resolve".equals(effective)) {
                String filter = c.directives.getOrDefault("filter", "(" + c.name + "=*)");
                out.add(new Requirement(c.name, filter, c.name + " " + filter));
            }
        }
        return out;
    }

    /** one clause of a header: the first path (the others share its parameters), attributes, directives */
    private record Clause(String name, Map<String, String> attributes, Map<String, String> directives) {
    }

    private static List<Clause> clauses(String header) {
        List<Clause> out = new ArrayList<>();
        if (header == null || header.isBlank()) {
            return out;
        }
        for (String clause : split(header, ',')) {
            List<String> parts = split(clause, ';');
            List<String> names = new ArrayList<>();
            Map<String, String> attributes = new LinkedHashMap<>();
            Map<String, String> directives = new LinkedHashMap<>();
            for (String part : parts) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    names.add(part.strip());
                } else if (eq > 0 && part.charAt(eq - 1) == ':') {
                    directives.put(part.substring(0, eq - 1).strip(), unquote(part.substring(eq + 1)));
                } else {
                    String key = part.substring(0, eq).strip();
                    int colon = key.indexOf(':');
                    attributes.put(colon < 0 ? key : key.substring(0, colon).strip(), unquote(part.substring(eq + 1)));
                }
            }
            for (String name : names) {
                out.add(new Clause(name, attributes, directives));
            }
        }
        return out;
    }

    private static String unquote(String value) {
        String v = value.strip();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** splits at {@code separator} outside double quotes */
    private static List<String> split(String text, char separator) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char ch : text.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == separator && !quoted) {
                out.add(current.toString());
                current.setLength(0);
            } else {
                current.append(ch);
            }
        }
        if (!current.isEmpty()) {
            out.add(current.toString());
        }
        return out;
    }
}
