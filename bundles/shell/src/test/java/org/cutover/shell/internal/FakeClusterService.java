package org.cutover.shell.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupException;

/** Defined nodes, voters and the ACL held in collections; removeNode throws the refusal a test sets. */
final class FakeClusterService implements ClusterService {

    final List<DefinedNode> nodes = new ArrayList<>();
    final List<String> voters = new ArrayList<>();
    final Map<String, List<String>> acl = new LinkedHashMap<>(Map.of("adjust", List.of("admin")));
    GroupException removeRefusal;
    final Map<String, String> revoked = new java.util.TreeMap<>();

    FakeClusterService(DefinedNode... nodes) {
        this.nodes.addAll(List.of(nodes));
    }

    @Override
    public String localNode() {
        return nodes.get(0).name();
    }

    @Override
    public List<DefinedNode> definedNodes() {
        return List.copyOf(nodes);
    }

    @Override
    public Optional<DefinedNode> definedNode(String name) {
        return nodes.stream().filter(node -> node.name().equals(name)).findFirst();
    }

    @Override
    public void removeNode(String name) {
        if (removeRefusal != null) {
            throw removeRefusal;
        }
        nodes.removeIf(node -> node.name().equals(name));
        voters.remove(name);
    }

    @Override
    public List<String> voters() {
        return List.copyOf(voters);
    }

    @Override
    public boolean addNode(String name) {
        if (definedNode(name).isEmpty()) {
            throw new GroupException(org.cutover.api.ReasonCode.UNKNOWN_NODE, "no running node named '" + name + "'");
        }
        if (voters.contains(name)) {
            return false;
        }
        voters.add(name);
        return true;
    }

    @Override
    public List<String> recoverMajority() {
        voters.retainAll(List.of(localNode()));
        nodes.removeIf(node -> !voters.contains(node.name()));
        return List.copyOf(voters);
    }

    @Override
    public Map<String, List<String>> acl() {
        return new LinkedHashMap<>(acl);
    }

    @Override
    public void setAcl(String operation, List<String> roles) {
        if (!acl.containsKey(operation)) {
            throw new GroupException(org.cutover.api.ReasonCode.INVALID_ACL, "no cluster operation is named '"
                    + operation + "'");
        }
        acl.put(operation, List.copyOf(roles));
    }

    final List<String> holds = new ArrayList<>();

    @Override
    public void hold(boolean held, List<String> groups) {
        holds.add((held ? "on " : "off ") + groups);
    }

    @Override
    public org.cutover.api.LogStatus logStatus() {
        return new org.cutover.api.LogStatus(true, localNode(), 1, 1);
    }

    @Override
    public String revokeCertificate(String node) {
        if (definedNode(node).isEmpty()) {
            throw new GroupException(org.cutover.api.ReasonCode.UNKNOWN_NODE, "the cluster state holds no"
                    + " certificate of a node named '" + node + "'");
        }
        String fingerprint = String.format("%064x", node.hashCode() & 0xffffffffL);
        revoked.put(fingerprint, node);
        return fingerprint;
    }

    @Override
    public Map<String, String> revokedCertificates() {
        return new java.util.TreeMap<>(revoked);
    }
}
