package org.cutover.web.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.cutover.api.GroupInfo;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.core.internal.testing.Await;
import org.cutover.core.internal.testing.DeliveryLog;
import org.cutover.core.internal.testing.TestCluster;
import org.cutover.core.internal.testing.TestCluster.TestNode;
import org.cutover.core.internal.testing.TestInfra;
import org.cutover.core.internal.upgrade.RollingUpgrades;
import org.junit.Test;
import org.openqa.selenium.By;

/**
 * The page of node1 in an in-JVM cluster of 5 real nodes (core's TestCluster: JGroups, the cluster log) with 50
 * groups, each with a member on every node, all held at level 1 while every node runs levels 1 and 2: it renders in
 * under 2 s; an adjust asked on node3 shows on node1's page within 1 s of returning; an adjust asked from the page
 * reaches all five nodes. Figures are printed; screenshots go to target/web-cluster/.
 */
public class WebViewOverClusterTest {

    private static final int NODES = 5;
    private static final int GROUPS = 50;
    private static final Duration PAGE = Duration.ofSeconds(10);

    @Test
    public void fiftyGroupsOnFiveNodes() throws Exception {
        try (TestCluster cluster = new TestCluster("web-50", NODES)) {
            List<TestNode> nodes = cluster.startAll(NODES, 1);
            List<String> names = new ArrayList<>();
            for (int g = 1; g <= GROUPS; g++) {
                names.add(String.format("g%02d", g));
            }
            for (String name : names) {
                for (TestNode n : nodes) {
                    n.node.join(name, new DeliveryLog());
                }
            }
            TestNode node1 = nodes.get(0);
            node1.node.hold(true, List.of());
            for (TestNode n : nodes) {
                n.infra.add(new TestInfra(2));
            }
            Await.until("node1 seeing 50 held groups of 5 members, potential level 2", TestCluster.WAIT,
                    () -> node1.node.groups().size() == GROUPS && node1.node.groups().stream().allMatch(
                            g -> g.held() && g.level() == 1 && g.potentialLevel() == 2 && g.members().size() == NODES),
                    () -> node1.node.groups());

            try (WebViewServer server = new WebViewServer(node1.node, node1.node, node1.versions,
                    new RollingUpgrades(node1.node), 30_000);
                 Chromium browser = new Chromium(Path.of("target", "web-cluster"))) {
                browser.driver.get(server.base() + "/cutover/");
                browser.logIn("admin", WebViewServer.PASSWORD, PAGE);
                long start = System.nanoTime();
                browser.driver.navigate().refresh();
                browser.waiting(PAGE).until(d -> d.findElements(By.cssSelector("#groups tbody tr")).size() == GROUPS
                        && d.findElements(By.cssSelector("#nodes tbody tr")).size() == NODES);
                long render = (System.nanoTime() - start) / 1_000_000;
                System.out.println("web page over 5 real nodes: " + GROUPS + " groups rendered " + render
                        + " ms after a load");
                assertTrue("rendered after " + render + " ms", render < 2000);
                assertEquals("held", browser.groupCell("g01", "hold"));
                assertEquals("2", browser.groupCell("g01", "potential"));
                browser.screenshot("50-groups-held-at-1");

                browser.driver.executeScript("window.notReloaded = true");
                for (String g : List.of("g37", "g12", "g50")) {
                    long asked = System.nanoTime();
                    AdjustResult r = nodes.get(2).versions.adjust(VersionRequest.of(2, g));
                    assertTrue(r.toString(), r.complete());
                    long applied = System.nanoTime();
                    browser.waiting(PAGE).until(d -> "2".equals(browser.groupCell(g, "level")));
                    long shown = System.nanoTime();
                    System.out.println("web page over 5 real nodes: " + g + " adjusted on node3 in "
                            + (applied - asked) / 1_000_000 + " ms, shown on node1's page "
                            + (shown - applied) / 1_000_000 + " ms later");
                    assertTrue(g + " shown " + (shown - applied) / 1_000_000 + " ms after the adjust returned",
                            shown - applied < 1_000_000_000L);
                }

                browser.driver.findElement(By.id("adjust-groups")).sendKeys("g05");
                browser.driver.findElement(By.id("adjust-level")).sendKeys("2");
                browser.driver.findElement(By.id("adjust-submit")).click();
                browser.waiting(PAGE).until(d -> browser.text("#result").startsWith("g05 adjusted to level 2"));
                // the answer to the POST and the live stream are two connections: the level follows within a second
                browser.waiting(Duration.ofSeconds(1)).until(d -> "2".equals(browser.groupCell("g05", "level")));
                assertEquals("admin@node1", browser.text("#history tbody tr .by"));
                assertEquals(true, browser.driver.executeScript("return window.notReloaded === true"));
                browser.screenshot("g05-adjusted-from-the-page");
                for (TestNode n : nodes) {
                    Await.until(n.name + " running g05 at level 2", TestCluster.WAIT,
                            () -> n.node.group("g05").map(GroupInfo::level).orElse(0) == 2, () -> n.node.group("g05"));
                    assertEquals(n.name, 1, n.node.group("g06").orElseThrow().level());
                }
            }
        }
    }
}
