package org.cutover.itests;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.cutover.launcher.KarafNode;

/** One call run on several nodes at once, the results by node name; a failure names its node. */
final class OnEveryNode {

    /** what is run on each node */
    @FunctionalInterface
    interface NodeCall<T> {
        T call(KarafNode node) throws Exception;
    }

    private OnEveryNode() {
    }

    static <T> Map<String, T> run(ExecutorService pool, Collection<KarafNode> nodes, NodeCall<T> f) {
        Map<String, Future<T>> futures = new TreeMap<>();
        for (KarafNode node : nodes) {
            futures.put(node.name, pool.submit(() -> f.call(node)));
        }
        Map<String, T> results = new TreeMap<>();
        for (Map.Entry<String, Future<T>> e : futures.entrySet()) {
            try {
                results.put(e.getKey(), e.getValue().get());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            } catch (ExecutionException ex) {
                throw new IllegalStateException(e.getKey() + ": " + ex.getCause(), ex.getCause());
            }
        }
        return results;
    }
}
