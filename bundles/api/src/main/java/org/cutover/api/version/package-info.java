/**
 * Version negotiation: check whether groups can move to an infrastructure
 * level, switch them with one ordered message, and read the history of switches;
 * roll a new infrastructure feature out to every node ({@link UpgradeService}).
 */
@Export
@Version("1.4.0")
package org.cutover.api.version;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
