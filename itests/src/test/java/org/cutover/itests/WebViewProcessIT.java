package org.cutover.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.cutover.web.internal.Chromium;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;
import org.openqa.selenium.By;
import org.cutover.launcher.KarafNode;

/**
 * The web view (feature cutover-web) of n1 in a cluster of three real Karaf processes, in headless Chromium: a
 * viewer logs in with the node's JAAS login and sees the 3 nodes and group kv at level 1 (potential 2, held); the
 * viewer has no control and the node refuses its adjust; the admin adjusts kv to level 2 from the page and the page
 * shows it with no reload, while n2's shell sees the same level. Pax Web listens on loopback only, as shipped.
 * Screenshots go to target/itest/web-nodes/screenshots.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class WebViewProcessIT {

    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(30);

    private static final List<KarafNode> NODES = new ArrayList<>();
    private static KarafNode n1;
    private static KarafNode n2;
    private static String viewerPassword;
    private static Chromium browser;

    @BeforeClass
    public static void bootThreeNodesWithKvHeldAtLevel1AndInfra2Everywhere() throws Exception {
        Path root = CutoverKarafOptions.itestDir().toPath().resolve("web-nodes");
        KarafNode.deleteTree(root);
        Files.createDirectories(root);
        for (String name : List.of("n1", "n2", "n3")) {
            NODES.add(KarafNode.unpack(name, root, CutoverKarafOptions.distribution()));
        }
        n1 = NODES.get(0);
        n2 = NODES.get(1);
        viewerPassword = Long.toHexString(new java.security.SecureRandom().nextLong());
        n1.addUser("watcher", viewerPassword, "_g_:viewergroup");
        String clusterName = "it-web-" + n1.jgroupsPort;
        for (KarafNode node : NODES) {
            node.cluster(clusterName, NODES).start();
        }
        Map<String, String> formed = Map.of("n1", "ACTIVE 1", "n2", "ACTIVE 1", "n3", "ACTIVE 1");
        Await.until("n1, n2, n3 ACTIVE at level 1", FORM_TIMEOUT, n1::nodeList, formed::equals);
        for (KarafNode node : NODES) {
            node.installFeature("cutover-example");
        }
        Await.until("group kv with a member on each node", STATUS_TIMEOUT, () -> kvRow(n1),
                row -> row != null && row.contains("n1#") && row.contains("n2#") && row.contains("n3#"));
        String held = n1.client("cluster:version-hold on kv");
        assertTrue(held, held.startsWith("held kv"));
        for (KarafNode node : NODES) {
            node.installFeature("cutover-infra/2.0.0");
        }
        Map<String, String> capable = Map.of("n1", "ACTIVE 1, 2", "n2", "ACTIVE 1, 2", "n3", "ACTIVE 1, 2");
        Await.until("every node announcing levels 1, 2", STATUS_TIMEOUT, n1::nodeList, capable::equals);
        n1.installFeature("cutover-web");
        Await.until("the web view answering on n1's loopback port " + n1.httpPort, STATUS_TIMEOUT,
                () -> status("http://127.0.0.1:" + n1.httpPort + "/cutover/"), s -> s == 200);
        browser = new Chromium(root.resolve("screenshots"));
    }

    @AfterClass
    public static void stopEverything() {
        if (browser != null) {
            browser.close();
        }
        NODES.forEach(KarafNode::close);
    }

    @Test
    public void a_paxWebListensOnLoopbackOnlyAsShipped() throws Exception {
        Process ss = new ProcessBuilder("ss", "-Hltn", "sport = :" + n1.httpPort).redirectErrorStream(true).start();
        assertTrue(ss.waitFor(10, TimeUnit.SECONDS));
        String out = new String(ss.getInputStream().readAllBytes()).strip();
        assertTrue("n1's HTTP port bound to 127.0.0.1 alone: " + out,
                out.lines().count() == 1 && out.contains(" 127.0.0.1:" + n1.httpPort + " "));
    }

    @Test
    public void b_aViewerSeesThreeNodesAndKvAtLevel1() throws Exception {
        browser.driver.get("http://127.0.0.1:" + n1.httpPort + "/cutover/");
        logIn("watcher", viewerPassword);
        browser.waiting(PAGE_TIMEOUT).until(d -> d.findElements(By.cssSelector("#nodes tbody tr")).size() == 3);
        for (String n : List.of("n1", "n2", "n3")) {
            assertEquals(n, "ACTIVE", text("tr[data-node='" + n + "'] .status"));
            assertEquals(n, "1, 2", text("tr[data-node='" + n + "'] .levels"));
        }
        browser.waiting(PAGE_TIMEOUT).until(d -> "1".equals(text("tr[data-group='kv'] .level")));
        assertEquals("2", text("tr[data-group='kv'] .potential"));
        assertEquals("held", text("tr[data-group='kv'] .hold"));
        assertTrue(text("tr[data-group='kv'] .members"), text("tr[data-group='kv'] .members").startsWith("3: "));
        browser.screenshot("viewer-sees-kv-at-level-1");
    }

    @Test
    public void c_aViewerCannotAdjust() throws Exception {
        assertFalse("the viewer's page has no adjust form", browser.driver.findElement(By.id("actions")).isDisplayed());
        assertEquals("nor hold buttons", 0, browser.driver.findElements(By.cssSelector(".hold-toggle")).size());
        Object refused = browser.driver.executeAsyncScript("const done = arguments[0];"
                + "fetch('/cutover/api/adjust', {method: 'POST', headers: {'X-Cutover-Csrf': session.csrf},"
                + " body: new URLSearchParams({level: '2', groups: 'kv'})})"
                + ".then(r => r.json().then(b => done(r.status + ' ' + b.error)));");
        assertTrue(String.valueOf(refused), String.valueOf(refused).startsWith(
                "403 user watcher (roles [viewer]) may not run adjust: the cluster's ACL requires one of [admin]"));
        assertEquals("1", level(n2));
        browser.screenshot("viewer-refused");
    }

    @Test
    public void d_theAdminAdjustsKvToLevel2FromThePageAndWatchesItWithoutReload() throws Exception {
        browser.driver.findElement(By.id("logout")).click();
        logIn("karaf", n1.adminPassword());
        browser.waiting(PAGE_TIMEOUT).until(d -> d.findElement(By.id("actions")).isDisplayed());
        browser.waiting(PAGE_TIMEOUT).until(d -> "1".equals(text("tr[data-group='kv'] .level")));
        browser.driver.executeScript("window.notReloaded = true");
        browser.driver.findElement(By.id("adjust-groups")).sendKeys("kv");
        browser.driver.findElement(By.id("adjust-level")).sendKeys("2");
        long start = System.nanoTime();
        browser.driver.findElement(By.id("adjust-submit")).click();
        browser.waiting(PAGE_TIMEOUT).until(d -> "2".equals(text("tr[data-group='kv'] .level")));
        System.out.println("web view: kv shown at level 2 " + (System.nanoTime() - start) / 1_000_000
                + " ms after the click");
        browser.waiting(PAGE_TIMEOUT).until(d -> text("#result").startsWith("kv adjusted to level 2"));
        assertEquals("the history names the page's login and its node", "karaf@n1", text("#history tbody tr .by"));
        assertEquals("2", text("#history tbody tr .to"));
        assertEquals("no reload", true, browser.driver.executeScript("return window.notReloaded === true"));
        browser.screenshot("admin-adjusted-kv-to-2");
        Await.until("n2's shell seeing kv at level 2", STATUS_TIMEOUT, () -> level(n2), "2"::equals);
    }

    private static void logIn(String user, String password) {
        browser.logIn(user, password, PAGE_TIMEOUT);
    }

    private static String text(String css) {
        return browser.text(css);
    }

    private static int status(String url) {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL(url).openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            return c.getResponseCode();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static String kvRow(KarafNode node) {
        for (String line : node.client("cluster:group-list --no-format").split("\\R")) {
            if (line.startsWith("kv")) {
                return line;
            }
        }
        return null;
    }

    private static String level(KarafNode node) {
        String row = kvRow(node);
        return row == null ? "no kv" : row.split("\t")[1].strip();
    }
}
