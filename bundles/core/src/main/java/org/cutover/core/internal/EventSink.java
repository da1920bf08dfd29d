package org.cutover.core.internal;

import java.util.Map;

/** Where the node posts its OSGi events; EventAdmin in Karaf, nothing in plain-JVM tests. */
@FunctionalInterface
public interface EventSink {
    EventSink NONE = (topic, properties) -> { };

    void post(String topic, Map<String, Object> properties);
}
