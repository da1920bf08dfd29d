package org.cutover.core.internal.osgi;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jgroups.JChannel;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.XmlConfigurator;

/**
 * The node's channel from the stack file, with the node's own settings put in
 * place of the file's {@code ${cutover.*}} variables. JGroups would take them
 * from system properties, where every JMX reader of {@code java.lang:type=Runtime}
 * (a viewer) sees them, the cluster key's password among them. Variables of
 * other names are left to JGroups as usual.
 */
final class StackFile {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(cutover\\.[A-Za-z0-9_.]+)(?::-?([^}]*))?}");

    private StackFile() {
    }

    /** @param values by variable name, e.g. {@code cutover.cluster_key_password} */
    static JChannel channel(Path stack, Map<String, String> values) throws Exception {
        XmlConfigurator config;
        try (InputStream in = Files.newInputStream(stack)) {
            config = XmlConfigurator.getInstance(in);
        }
        for (ProtocolConfiguration protocol : config.getProtocolStack()) {
            protocol.getProperties().replaceAll((attribute, value) -> substitute(value, values));
        }
        return new JChannel(config);
    }

    static String substitute(String value, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        return m.appendTail(out).toString();
    }
}
