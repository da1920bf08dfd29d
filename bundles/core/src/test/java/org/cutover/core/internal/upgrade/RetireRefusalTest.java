package org.cutover.core.internal.upgrade;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.Map;
import java.util.Set;

import org.junit.Test;

/** When retiring a feature would take a level from a group: the rule each node applies before it uninstalls. */
public class RetireRefusalTest {

    @Test
    public void infra1MayGoWhileInfra2ServesLevel1() {
        assertNull(FeatureInstaller.retireRefusal("cutover-infra/1.0.0", Set.of(1), Set.of(1, 2),
                Map.of("kv", 1, "orders", 2)));
    }

    @Test
    public void infra2MayNotGoWhileAGroupRunsLevel2NamingTheGroups() {
        assertEquals("refused: only cutover-infra/2.0.0 serves level 2 here, which kv, orders run; adjust those groups"
                + " to a level another infrastructure serves first", FeatureInstaller.retireRefusal(
                "cutover-infra/2.0.0", Set.of(1, 2), Set.of(1), Map.of("orders", 2, "kv", 2, "audit", 1)));
    }

    @Test
    public void aLevelNoGroupRunsMayGo() {
        assertNull(FeatureInstaller.retireRefusal("cutover-infra/2.0.0", Set.of(1, 2), Set.of(1), Map.of("kv", 1)));
        assertNull(FeatureInstaller.retireRefusal("cutover-infra/2.0.0", Set.of(1, 2), Set.of(), Map.of()));
    }
}
