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

    static final String DNS_QUERY = "cutover.dns_query";
    static final String DNS_ADDRESS = "cutover.dns_address";
    static final String DNS_RECORD_TYPE = "cutover.dns_record_type";
    /** TCPPING's setting that DNS_PING keeps in its place */
    static final String DISCOVERY_RUNS = "num_discovery_runs";

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
        useDnsDiscovery(config.getProtocolStack(), values);
        return new JChannel(config);
    }

    /**
     * With a DNS query among the node's settings, DNS_PING takes the place of the stack's TCPPING: one stack file
     * serves nodes on one machine (a fixed host list) and nodes across machines (their names in DNS). DNS_PING
     * refuses an empty query, so it cannot sit in the file beside TCPPING for the nodes that do not use it.
     */
    static void useDnsDiscovery(java.util.List<ProtocolConfiguration> stack, Map<String, String> values) {
        String query = values.getOrDefault(DNS_QUERY, "");
        if (query.isBlank()) {
            return;
        }
        for (int i = 0; i < stack.size(); i++) {
            if (stack.get(i).getProtocolName().endsWith("TCPPING")) {
                Map<String, String> dns = new java.util.HashMap<>();
                dns.put("dns_query", query.strip());
                dns.put("dns_record_type", values.getOrDefault(DNS_RECORD_TYPE, "A").strip());
                String server = values.getOrDefault(DNS_ADDRESS, "").strip();
                if (!server.isEmpty()) {
                    dns.put("dns_address", server);
                }
                // a setting of discovery itself, not of the host list: a restarted node asks again (the stack file)
                String runs = stack.get(i).getProperties().get(DISCOVERY_RUNS);
                if (runs != null) {
                    dns.put(DISCOVERY_RUNS, runs);
                }
                stack.set(i, new ProtocolConfiguration("dns.DNS_PING", dns));
                return;
            }
        }
        throw new IllegalArgumentException("dns.query is set, but the stack file has no TCPPING for DNS_PING to"
                + " replace");
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
