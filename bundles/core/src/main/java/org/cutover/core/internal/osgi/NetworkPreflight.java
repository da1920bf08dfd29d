package org.cutover.core.internal.osgi;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import javax.naming.NamingException;

import org.jgroups.Address;
import org.jgroups.protocols.dns.AddressedDNSResolver;
import org.jgroups.protocols.dns.DNSResolver.DNSRecordType;
import org.jgroups.protocols.dns.DefaultDNSResolver;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.Util;

/**
 * Checks a node's network settings before its channel starts. Without it a name that does not resolve, or an
 * address of another machine, fails deep in JGroups' TCP ("Cannot assign requested address", which reads like a
 * port in use), and a DNS query that does not name this node lets it discover no one and form a cluster alone.
 * Each failure names the setting to fix.
 */
final class NetworkPreflight {

    /** the JDK's DNS provider, as DNS_PING uses it */
    private static final String DNS_CONTEXT_FACTORY = "com.sun.jndi.dns.DnsContextFactory";
    private static final Duration DNS_RETRY = Duration.ofSeconds(1);

    private NetworkPreflight() {
    }

    /**
     * The address {@code value} names, which must be one of this machine's. JGroups' symbolic values (SITE_LOCAL,
     * match-interface:…) are resolved by JGroups' own rules.
     */
    static InetAddress bindAddress(String value) {
        InetAddress address;
        try {
            address = Util.getAddress(value, Util.getIpStackType());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(setting(value) + " does not resolve to an address (" + e.getMessage()
                    + "): set a name or address of this machine", e);
        } catch (Exception e) {
            throw new IllegalStateException(setting(value) + " names no address of this machine: " + e, e);
        }
        if (address == null) {
            throw new IllegalStateException(setting(value) + " names no address of this machine");
        }
        try {
            if (!address.isAnyLocalAddress() && NetworkInterface.getByInetAddress(address) == null) {
                throw new IllegalStateException(setting(value) + " is " + address.getHostAddress() + ", not an address"
                        + " of this machine: set one of its own (ip -br addr shows them)");
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot read this machine's addresses to check " + setting(value), e);
        }
        return address;
    }

    private static String setting(String value) {
        return "bind.address '" + value + "' (etc/" + NodeComponent.PID + ".cfg, or the system property"
                + " cutover.bind_addr)";
    }

    /**
     * Waits up to {@code wait} for {@code query} to name this node: its address, and with SRV records its port
     * too. A node the query does not name would be found by no one, and would find others only to be unknown
     * to them; a query that names no one leaves the node alone.
     */
    static void dnsNamesThisNode(String query, String server, String recordType, InetAddress bind, int port,
                                 Duration wait) {
        DNSRecordType type;
        try {
            type = DNSRecordType.valueOf(recordType.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("dns.record.type '" + recordType + "' is none of A, AAAA, SRV", e);
        }
        String where = server.isBlank() ? "the machine's resolver" : "dns.address " + server;
        DefaultDNSResolver resolver;
        try {
            // as DNS_PING chooses: with a server, the node names of SRV records are asked there too
            resolver = server.isBlank() ? new DefaultDNSResolver(DNS_CONTEXT_FACTORY, null)
                    : new AddressedDNSResolver(DNS_CONTEXT_FACTORY, server.strip());
        } catch (NamingException e) {
            throw new IllegalStateException("cannot ask " + where + " for dns.query '" + query + "': " + e, e);
        }
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            List<Address> answer;
            while (true) {
                answer = resolver.resolveIps(query, type);
                if (namesThisNode(answer, type, bind, port) || System.nanoTime() - deadline >= 0) {
                    break;
                }
                Thread.sleep(DNS_RETRY.toMillis());
            }
            if (answer.isEmpty()) {
                throw new IllegalStateException("dns.query '" + query + "' (" + type + ") has no records at " + where
                        + " after " + wait.toSeconds() + " s: the node would discover no one and form a cluster"
                        + " alone. Publish this node under the query, or correct dns.query / dns.address");
            }
            if (!namesThisNode(answer, type, bind, port)) {
                throw new IllegalStateException("dns.query '" + query + "' (" + type + ") at " + where + " answers "
                        + answer + ", not this node (" + bind.getHostAddress() + (type == DNSRecordType.SRV
                        ? ":" + port : "") + " of bind.address / bind.port): the others could not find it."
                        + " Publish this node under the query, or correct dns.query / bind.address");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + where + " for dns.query '" + query + "'", e);
        } finally {
            resolver.close();
        }
    }

    private static boolean namesThisNode(List<Address> answer, DNSRecordType type, InetAddress bind, int port) {
        return answer.stream().anyMatch(a -> a instanceof IpAddress ip && (bind.isAnyLocalAddress()
                || ip.getIpAddress().equals(bind)) && (type != DNSRecordType.SRV || ip.getPort() == port));
    }
}
