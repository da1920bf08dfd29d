/**
 * Atomic batches, the function infrastructure level 3 brings with it: the one
 * package an infrastructure bundle exports. Applications import it optionally
 * (or dynamically), so they still run where only levels 1 and 2 exist.
 */
@Export
@Version("1.0.0")
package org.cutover.infra.batch;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
