package org.cutover.infra.batch;

import java.util.List;

import org.cutover.api.Group;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends several messages as one: every member delivers all of them, in the
 * given order, one after the other at one position of the group's order, with
 * no other message between them; no member delivers only some. A service of
 * the infrastructure bundle 3.0.0; the group must run level 3.
 */
@ProviderType
public interface Batches {

    /** the function's name among the level's extensions ({@link Group#supports(String)}) */
    String FUNCTION = "atomic-batch";

    /** the most messages one batch holds */
    int MAX_MESSAGES = 10_000;

    /**
     * Returns as {@link Group#send} does, once the batch has its place in the order and is applied on this node.
     *
     * @throws IllegalArgumentException if there are no messages or more than {@value #MAX_MESSAGES}
     * @throws org.cutover.api.FunctionUnavailableException if the group does not run level 3 now
     * @throws org.cutover.api.GroupException as {@link Group#send} does
     */
    void send(Group group, List<byte[]> messages);
}
