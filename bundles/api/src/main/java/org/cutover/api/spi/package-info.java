/**
 * The service provider interface that infrastructure bundles
 * ({@code org.cutover.infra}) implement: one {@link org.cutover.api.spi.InfraProtocol}
 * service per level they can speak.
 */
@Export
@Version("1.2.0")
package org.cutover.api.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
