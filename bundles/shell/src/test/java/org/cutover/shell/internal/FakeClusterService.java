package org.cutover.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.cutover.api.ClusterService;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupException;

/** Defined nodes held in a list; removeNode throws the refusal a test sets. */
final class FakeClusterService implements ClusterService {

    final List<DefinedNode> nodes = new ArrayList<>();
    GroupException removeRefusal;

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
    }
}
