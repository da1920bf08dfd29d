package org.cutover.web.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.cutover.api.version.UpgradeStatus;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;
import org.openqa.selenium.By;

/**
 * The page in headless Chromium over 5 nodes and 50 groups: it renders in under 2 s, a level change made in the
 * cluster shows within 1 s with no reload, a viewer has no control and its forged request is refused, an admin
 * adjusts from the page. Figures are printed; screenshots go to target/web-page/.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class WebPageBrowserTest {

    private static final int GROUPS = 50;
    private static FakeCluster cluster;
    private static WebViewServer server;
    private static Chromium browser;

    @BeforeClass
    public static void start() throws Exception {
        List<String> groups = new ArrayList<>();
        for (int i = 1; i <= GROUPS; i++) {
            groups.add(String.format("g%02d", i));
        }
        cluster = new FakeCluster(5, groups, 1, 2);
        server = new WebViewServer(cluster, 30_000);
        browser = new Chromium(Path.of("target", "web-page"));
    }

    @AfterClass
    public static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    public void a_aViewerSeesFiveNodesAndFiftyGroupsInUnderTwoSeconds() throws Exception {
        browser.driver.get(server.base() + "/cutover/");
        logIn("viewer");
        browser.screenshot("viewer-logged-in");
        long start = System.nanoTime();
        browser.driver.navigate().refresh();
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElements(By.cssSelector("#groups tbody tr")).size()
                == GROUPS && d.findElements(By.cssSelector("#nodes tbody tr")).size() == 5);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("web page: 5 nodes and " + GROUPS + " groups rendered " + millis + " ms after a load");
        assertTrue("rendered after " + millis + " ms", millis < 2000);
        assertEquals("1", cell("g01", "level"));
        assertEquals("2", cell("g01", "potential"));
        assertEquals("ACTIVE", browser.text("tr[data-node='node5'] .status"));
        browser.screenshot("viewer-50-groups");
    }

    @Test
    public void b_aLevelChangeInTheClusterShowsWithinOneSecondWithoutAReload() throws Exception {
        browser.driver.executeScript("window.notReloaded = true");
        for (String group : List.of("g37", "g12", "g50")) {
            long start = System.nanoTime();
            cluster.setLevel(group, 2);
            browser.waiting(Duration.ofSeconds(3)).until(d -> "2".equals(cell(group, "level")));
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println("web page: " + group + "'s level change shown after " + millis + " ms");
            assertTrue(group + " shown after " + millis + " ms", millis < 1000);
        }
        assertEquals(true, browser.driver.executeScript("return window.notReloaded === true"));
    }

    @Test
    public void b2_aRunningUpgradeShowsNodeByNodeAsItMoves() throws Exception {
        java.time.Instant at = java.time.Instant.parse("2026-12-01T22:00:00Z");
        List<UpgradeStatus.NodeProgress> nodes = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            nodes.add(new UpgradeStatus.NodeProgress("node" + i, i == 1 ? UpgradeStatus.Phase.CAPABLE : i == 2
                    ? UpgradeStatus.Phase.INSTALLING : UpgradeStatus.Phase.WAITING, i == 1 ? "installed" : "", at));
        }
        long start = System.nanoTime();
        cluster.setUpgrade(new UpgradeStatus("u1", "cutover-infra/2.0.0", false, false, 1, "ops@node3", at,
                UpgradeStatus.State.RUNNING, nodes, ""));
        browser.waiting(Duration.ofSeconds(3)).until(d -> browser.text("#upgrade-nodes tr[data-node='node2'] .phase")
                .equals("INSTALLING"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("web page: the upgrade's progress shown after " + millis + " ms");
        assertTrue("shown after " + millis + " ms", millis < 1000);
        assertTrue(browser.text("#upgrade-heading"), browser.text("#upgrade-heading").startsWith(
                "Upgrade to cutover-infra/2.0.0, asked by ops@node3"));
        assertEquals("CAPABLE", browser.text("#upgrade-nodes tr[data-node='node1'] .phase"));
        assertEquals("WAITING", browser.text("#upgrade-nodes tr[data-node='node5'] .phase"));
        assertEquals(50L, browser.driver.executeScript(
                "return document.querySelector(\"#upgrade-nodes tr[data-node='node2'] progress\").value"));
        browser.screenshot("upgrade-running");
    }

    @Test
    public void b3_aRevokedCertificateShowsWithItsNode() throws Exception {
        assertFalse("no revocations, no section", browser.driver.findElement(By.id("revoked")).isDisplayed());
        String fingerprint = "5e1f".repeat(16);
        cluster.revoked("node4", fingerprint);
        browser.waiting(Duration.ofSeconds(3)).until(d -> d.findElement(By.id("revoked")).isDisplayed());
        assertEquals("node4", browser.text("#revoked-certificates tbody tr .node"));
        assertEquals(fingerprint, browser.text("#revoked-certificates tbody tr .fingerprint"));
    }

    @Test
    public void c_aViewerHasNoControlAndItsForgedAdjustIsRefused() throws Exception {
        assertFalse("the adjust form", browser.driver.findElement(By.id("actions")).isDisplayed());
        assertEquals("hold buttons", 0, browser.driver.findElements(By.cssSelector(".hold-toggle")).size());
        // what a viewer could still try: the page's own request, with its token
        Object status = browser.driver.executeAsyncScript("const done = arguments[0];"
                + "fetch('/cutover/api/adjust', {method: 'POST', headers: {'X-Cutover-Csrf': session.csrf},"
                + " body: new URLSearchParams({level: '2', groups: 'g01'})}).then(r => done(r.status));");
        assertEquals(403L, status);
        assertEquals(1, cluster.level("g01"));
    }

    @Test
    public void d_anAdminAdjustsFromThePageAndWatchesItChange() throws Exception {
        browser.driver.findElement(By.id("logout")).click();
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("login")).isDisplayed());
        logIn("admin");
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("actions")).isDisplayed());
        browser.driver.executeScript("window.notReloaded = true");
        browser.driver.findElement(By.id("adjust-groups")).sendKeys("g07");
        browser.driver.findElement(By.id("adjust-level")).sendKeys("2");
        browser.driver.findElement(By.id("adjust-submit")).click();
        browser.waiting(Duration.ofSeconds(5)).until(d -> "2".equals(cell("g07", "level")));
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("result")).getText()
                .startsWith("g07 adjusted to level 2"));
        assertEquals(2, cluster.level("g07"));
        assertEquals("1", cell("g08", "level"));
        assertEquals("admin", browser.text("#history tbody tr .by"));
        assertEquals(true, browser.driver.executeScript("return window.notReloaded === true"));
        browser.screenshot("admin-adjusted-g07");
    }

    private static void logIn(String user) {
        browser.logIn(user, WebViewServer.PASSWORD, Duration.ofSeconds(5));
    }

    private static String cell(String group, String column) {
        return browser.groupCell(group, column);
    }
}
