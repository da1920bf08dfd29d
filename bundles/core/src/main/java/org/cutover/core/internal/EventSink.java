package org.cutover.core.internal;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Where the node posts its OSGi events; EventAdmin in Karaf, nothing in plain-JVM tests. The properties are built
 * only by a sink that takes them: an adjust of 1,000 groups posts 1,000 events on every node, and building their
 * maps for a sink that drops them was 16 % of the applier's CPU (JFR, 3 nodes in one JVM).
 */
@FunctionalInterface
public interface EventSink {
    EventSink NONE = (topic, properties) -> { };

    void post(String topic, Supplier<Map<String, Object>> properties);
}
