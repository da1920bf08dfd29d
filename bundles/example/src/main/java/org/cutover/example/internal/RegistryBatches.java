package org.cutover.example.internal;

import java.util.List;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.Group;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Atomic batches from the infrastructure bundle 3.0.0's
 * {@code org.cutover.infra.batch.Batches} service. This bundle imports that
 * package dynamically, not at resolve time: it resolves and runs where only
 * levels 1 and 2 are installed, and the package is wired the first time a
 * batch is sent after 3.0.0 was hot-installed, without a refresh of this
 * bundle. This class names the service by string only; {@link BatchesCall},
 * which names the type, is loaded once the service exists.
 */
final class RegistryBatches implements AtomicBatches {

    static final String SERVICE = "org.cutover.infra.batch.Batches";
    static final String FUNCTION = "atomic-batch";

    private final BundleContext context;

    RegistryBatches(BundleContext context) {
        this.context = context;
    }

    @Override
    public void send(Group group, List<byte[]> messages) {
        ServiceReference<?> ref = context.getServiceReference(SERVICE);
        Object service = ref == null ? null : context.getService(ref);
        if (service == null) {
            throw new FunctionUnavailableException(group.name(), FUNCTION, group.level());
        }
        try {
            BatchesCall.send(service, group, messages);
        } finally {
            context.ungetService(ref);
        }
    }
}
