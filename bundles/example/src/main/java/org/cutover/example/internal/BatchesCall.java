package org.cutover.example.internal;

import java.util.List;

import org.cutover.api.Group;
import org.cutover.infra.batch.Batches;

/** the one class that names {@link Batches}: loading it wires the dynamic import (see {@link RegistryBatches}) */
final class BatchesCall {

    private BatchesCall() {
    }

    static void send(Object batches, Group group, List<byte[]> messages) {
        ((Batches) batches).send(group, messages);
    }
}
