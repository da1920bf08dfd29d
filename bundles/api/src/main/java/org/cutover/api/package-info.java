/**
 * Cutover's public contract: groups with totally ordered messaging, the defined
 * nodes of a cluster, version negotiation, and the SPI that infrastructure
 * bundles implement.
 */
@Export
@Version("1.7.0")
package org.cutover.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
