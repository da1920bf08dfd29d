package org.cutover.core.internal;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The node's events, posted after what they tell has happened and never in its way: an EventAdmin stopped or
 * refreshed under the node throws (IllegalStateException, NoClassDefFoundError), and out of the log's applier that
 * marked an applied entry as not applied on this node. Members missed an adjust while the state switched; a
 * leader whose capability event threw never looked at the levels again, and the groups stayed below the level
 * every node ran (BrokenBundlesTest). Any other Error goes on up: the node stops (the applier's rule).
 */
final class GuardedEvents implements EventSink {

    private static final System.Logger LOG = System.getLogger(GuardedEvents.class.getName());

    private final String nodeName;
    private final EventSink events;
    /** logged once until a post goes through again: an adjust of 1,000 groups posts 1,000 */
    private volatile boolean failing;

    GuardedEvents(String nodeName, EventSink events) {
        this.nodeName = nodeName;
        this.events = events;
    }

    @Override
    public void post(String topic, Supplier<Map<String, Object>> properties) {
        try {
            events.post(topic, properties);
            failing = false;
        } catch (RuntimeException | LinkageError e) {
            if (!failing) {
                failing = true;
                LOG.log(System.Logger.Level.WARNING, "node " + nodeName + " could not post " + topic + ": " + e);
            }
        }
    }
}
