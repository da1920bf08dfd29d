package org.cutover.web.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The web view over HTTP, as a browser or a script would reach it: logins, the CSRF rules, the ACL, and the live
 * stream. Each test has its own server and cookie jar.
 */
public class WebViewServletTest {

    private FakeCluster cluster;
    private WebViewServer server;
    private HttpClient http;

    @Before
    public void start() throws Exception {
        cluster = new FakeCluster(3, List.of("kv", "orders"), 1, 2);
        server = new WebViewServer(cluster, 5_000);
        http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    @After
    public void stop() throws Exception {
        server.close();
    }

    @Test
    public void thePageAndItsAssetsNeedNoLoginButTheClusterDocumentDoes() throws Exception {
        HttpResponse<String> page = get("/cutover/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>Cutover</title>"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertEquals(200, get("/cutover/assets/cutover.js").statusCode());
        assertEquals("no CDN: every script and style of the page is served by the bundle", List.of(),
                Pattern.compile("(src|href)=\"(?!/cutover/)[^\"]*\"").matcher(page.body()).results()
                        .map(m -> m.group()).toList());
        assertEquals(404, get("/cutover/assets/../index.html.bak").statusCode());
        HttpResponse<String> state = get("/cutover/api/state");
        assertEquals(401, state.statusCode());
        assertTrue(state.body(), state.body().contains("log in first"));
    }

    @Test
    public void aLoginNeedsTheRightPasswordTheHeaderAndARoleOfTheView() throws Exception {
        assertEquals(401, login("viewer", "wrong").statusCode());
        HttpResponse<String> noHeader = http.send(HttpRequest.newBuilder(uri("/cutover/api/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(form(Map.of("user", "viewer", "password", WebViewServer.PASSWORD))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("a plain cross-site form cannot log a browser in: " + noHeader.body(), 403,
                noHeader.statusCode());
        HttpResponse<String> nobody = login("nobody", WebViewServer.PASSWORD);
        assertEquals(nobody.body(), 403, nobody.statusCode());
        assertTrue(nobody.body(), nobody.body().contains("none of the roles [admin, viewer]"));
        assertEquals(401, get("/cutover/api/state").statusCode());

        HttpResponse<String> viewer = login("viewer", WebViewServer.PASSWORD);
        assertEquals(200, viewer.statusCode());
        assertTrue(viewer.body(), viewer.body().contains("\"may\":{\"adjust\":false,\"hold\":false}"));
        assertTrue(viewer.headers().firstValue("Set-Cookie").orElse("").contains("HttpOnly; SameSite=Strict"));
        HttpResponse<String> state = get("/cutover/api/state");
        assertEquals(200, state.statusCode());
        assertTrue(state.body(), state.body().contains("\"name\":\"kv\",\"level\":1,\"potential\":2"));
    }

    @Test
    public void aViewerSeesEverythingAndChangesNothing() throws Exception {
        String csrf = csrf(login("viewer", WebViewServer.PASSWORD));
        HttpResponse<String> adjust = post("/cutover/api/adjust", csrf, Map.of("level", "2", "groups", "kv"));
        assertEquals(adjust.body(), 403, adjust.statusCode());
        assertTrue(adjust.body(), adjust.body().contains(
                "user viewer (roles [viewer]) may not run adjust: the cluster's ACL requires one of [admin]"));
        HttpResponse<String> hold = post("/cutover/api/hold", csrf, Map.of("held", "true", "groups", "kv"));
        assertEquals(hold.body(), 403, hold.statusCode());
        assertEquals(1, cluster.level("kv"));
        assertTrue(get("/cutover/api/state").body().contains("\"name\":\"kv\",\"level\":1,\"potential\":2,\"epoch\":1,\"held\":false"));
        assertTrue(get("/cutover/api/state").body().contains("\"revoked\":[]"));
        cluster.revoked("node3", "ab".repeat(32));
        String revoked = "\"revoked\":[{\"node\":\"node3\",\"fingerprint\":\"" + "ab".repeat(32) + "\"}]";
        String body = "";
        for (long end = System.nanoTime() + 5_000_000_000L; !body.contains(revoked) && System.nanoTime() < end; ) {
            Thread.sleep(50); // the document is built again on the feed's next turn
            body = get("/cutover/api/state").body();
        }
        assertTrue("a viewer reads the revoked certificates within 5 s: " + body, body.contains(revoked));
    }

    @Test
    public void anAdminAdjustsOnlyWithThePagesTokenFromThisOrigin() throws Exception {
        String csrf = csrf(login("admin", WebViewServer.PASSWORD));
        HttpResponse<String> noToken = post("/cutover/api/adjust", "", Map.of("level", "2", "groups", "kv"));
        assertEquals(noToken.body(), 403, noToken.statusCode());
        HttpResponse<String> otherOrigin = http.send(HttpRequest.newBuilder(uri("/cutover/api/adjust"))
                .header("Content-Type", "application/x-www-form-urlencoded").header(WebViewServlet.CSRF_HEADER, csrf)
                .header("Origin", "http://evil.example").POST(form(Map.of("level", "2", "groups", "kv"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(otherOrigin.body(), 403, otherOrigin.statusCode());
        assertEquals("nothing was sent for a refused request", 1, cluster.level("kv"));

        HttpResponse<String> check = post("/cutover/api/check", csrf, Map.of("level", "3", "groups", "kv"));
        assertEquals(200, check.statusCode());
        assertTrue(check.body(), check.body().contains("\"passed\":false,\"message\":\"NODE_INCAPABLE: no node runs level 3\""));
        HttpResponse<String> refused = post("/cutover/api/adjust", csrf, Map.of("level", "3", "groups", "kv"));
        assertEquals(refused.body(), 409, refused.statusCode());

        HttpResponse<String> adjust = post("/cutover/api/adjust", csrf, Map.of("level", "2", "groups", "kv"));
        assertEquals(adjust.body(), 200, adjust.statusCode());
        assertEquals(2, cluster.level("kv"));
        assertEquals(1, cluster.level("orders"));
        String state = get("/cutover/api/state").body();
        assertTrue("the history names the login that asked (the adjust ran in its JAAS subject): " + state,
                state.contains("\"by\":\"admin\",\"groups\":[\"kv\"],\"from\":1,\"to\":2"));

        assertEquals(200, post("/cutover/api/hold", csrf, Map.of("held", "true", "groups", "orders")).statusCode());
        assertTrue(get("/cutover/api/state").body().contains("\"name\":\"orders\",\"level\":1,\"potential\":2,\"epoch\":1,\"held\":true"));

        assertEquals(200, post("/cutover/api/logout", csrf, Map.of()).statusCode());
        assertEquals(401, get("/cutover/api/state").statusCode());
    }

    @Test
    public void theLiveStreamSendsEachChangeWithinASecond() throws Exception {
        login("viewer", WebViewServer.PASSWORD);
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(uri("/cutover/api/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream;charset=utf-8",
                stream.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase());
        try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String first = nextData(events);
            assertTrue(first, first.contains("\"name\":\"kv\",\"level\":1"));
            long changed = System.nanoTime();
            cluster.setLevel("kv", 2);
            String second = nextData(events);
            long millis = (System.nanoTime() - changed) / 1_000_000;
            assertTrue(second, second.contains("\"name\":\"kv\",\"level\":2"));
            assertTrue("the change reached the stream after " + millis + " ms", millis < 1000);
        }
    }

    @Test
    public void pastTheLimitOfLiveStreamsAPageIsToldToComeBackLater() throws Exception {
        login("viewer", WebViewServer.PASSWORD);
        List<InputStream> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < WebViewServlet.MAX_STREAMS; i++) {
                HttpResponse<InputStream> s = http.send(HttpRequest.newBuilder(uri("/cutover/api/events")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, s.statusCode());
                open.add(s.body());
            }
            HttpResponse<String> refused = get("/cutover/api/events");
            assertEquals(refused.body(), 503, refused.statusCode());
            assertEquals("the rest of the view still answers", 200, get("/cutover/api/state").statusCode());
        } finally {
            for (InputStream in : open) {
                in.close();
            }
        }
    }

    private static String nextData(BufferedReader events) throws Exception {
        for (String line = events.readLine(); line != null; line = events.readLine()) {
            if (line.startsWith("data: ")) {
                return line.substring("data: ".length());
            }
        }
        throw new AssertionError("the stream ended");
    }

    private HttpResponse<String> login(String user, String password) throws Exception {
        return post("/cutover/api/login", "login", Map.of("user", user, "password", password));
    }

    private static String csrf(HttpResponse<String> login) {
        assertEquals(login.body(), 200, login.statusCode());
        Matcher m = Pattern.compile("\"csrf\":\"([0-9a-f]+)\"").matcher(login.body());
        assertTrue(login.body(), m.find());
        return m.group(1);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String csrf, Map<String, String> fields) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded");
        if (!csrf.isEmpty()) {
            b.header(WebViewServlet.CSRF_HEADER, csrf);
        }
        return http.send(b.POST(form(fields)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.BodyPublisher form(Map<String, String> fields) {
        return HttpRequest.BodyPublishers.ofString(fields.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&")));
    }

    private URI uri(String path) {
        return URI.create(server.base() + path);
    }
}
