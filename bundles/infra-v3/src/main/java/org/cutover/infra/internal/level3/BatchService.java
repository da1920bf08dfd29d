package org.cutover.infra.internal.level3;

import java.util.List;

import org.cutover.api.Group;
import org.cutover.infra.batch.Batches;
import org.osgi.service.component.annotations.Component;

/** {@link Batches} for every group: packs the messages and hands them to the group's level 3 */
@Component(service = Batches.class)
public class BatchService implements Batches {

    @Override
    public void send(Group group, List<byte[]> messages) {
        group.sendExtension(FUNCTION, BatchFormat.pack(messages));
    }
}
