package org.cutover.example.internal;

import java.util.List;

import org.cutover.api.Group;

/** how the store sends several writes as one atomic batch (infrastructure level 3) */
@FunctionalInterface
public interface AtomicBatches {

    /**
     * @throws org.cutover.api.FunctionUnavailableException if no infrastructure here brings batches, or the group
     *         does not run level 3 now
     */
    void send(Group group, List<byte[]> messages);
}
