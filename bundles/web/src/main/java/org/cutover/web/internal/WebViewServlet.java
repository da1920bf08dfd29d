package org.cutover.web.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;

import javax.security.auth.Subject;
import javax.security.auth.login.LoginException;
import javax.servlet.Servlet;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.cutover.api.ClusterService;
import org.cutover.api.GroupInfo;
import org.cutover.api.GroupService;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.VersionService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The cluster's page at {@code /cutover/} on the node's HTTP service (Pax Web's HTTP Whiteboard): the page and its
 * two assets, the login, a live stream of the cluster document (server-sent events) and the three actions. Every
 * asset comes from this bundle (nodes are often offline); every API call needs a login of the node's JAAS realm.
 */
@Component(service = Servlet.class, configurationPid = WebViewServlet.PID, property = {
        HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=" + WebViewServlet.PATH + "/*",
        HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=cutover-web"})
@Designate(ocd = WebViewServlet.Config.class)
public final class WebViewServlet extends HttpServlet {

    static final String PID = "org.cutover.web";
    static final String PATH = "/cutover";
    static final String COOKIE = "cutover-session";
    /** every POST carries it: the session's token, or anything for the login (a header no plain form can set) */
    static final String CSRF_HEADER = "X-Cutover-Csrf";

    private static final long serialVersionUID = 1L;
    private static final long KEEP_ALIVE_MILLIS = 15_000;
    /** a refused password costs this much, so guessing over HTTP is no faster than over ssh */
    private static final long LOGIN_FAILURE_DELAY_MILLIS = 500;
    private static final int MAX_SESSIONS = 256;
    /**
     * a live stream holds one of the web server's threads while the page is open: past this many, a page is told
     * to come back later rather than the node's web server running out of threads
     */
    static final int MAX_STREAMS = 32;
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html",
            "/assets/cutover.js", "cutover.js",
            "/assets/cutover.css", "cutover.css");
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    @ObjectClassDefinition(name = "Cutover web view",
            description = "The cluster's page at /cutover/ on the node's HTTP service (etc/org.ops4j.pax.web.cfg"
                    + " says where it listens: loopback as shipped)")
    public @interface Config {
        @AttributeDefinition(description = "JAAS realm the page's logins are checked against")
        String realm() default "karaf";

        @AttributeDefinition(description = "a login needs one of these roles; what it may change is up to the"
                + " cluster's ACL")
        String[] login_roles() default {"viewer", "admin"};

        @AttributeDefinition(description = "minutes without a request (an open page reconnects every"
                + " stream.seconds) after which a login ends")
        int session_idle_minutes() default 30;

        @AttributeDefinition(description = "how often the cluster document is rebuilt while pages are open")
        int refresh_millis() default 250;

        @AttributeDefinition(description = "how often the page runs this node's health checks")
        int health_seconds() default 5;

        @AttributeDefinition(description = "a live stream ends after this long and the page reconnects, which"
                + " checks its login again")
        int stream_seconds() default 50;
    }

    private final transient Login login;
    private final Set<String> loginRoles;
    private final transient WebSessions sessions;
    private final transient ClusterActions actions;
    private final transient StateFeed feed;
    private final String localNode;
    private final long streamMillis;
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private final transient Semaphore streams = new Semaphore(MAX_STREAMS);

    @Activate
    public WebViewServlet(@Reference ClusterService cluster, @Reference GroupService groups,
                          @Reference VersionService versions, @Reference UpgradeService upgrades,
                          @Reference HealthCheckExecutor health, Config config) {
        this(new JaasLogin(config.realm()), Set.of(config.login_roles()),
                new WebSessions(config.session_idle_minutes() * 60_000L, MAX_SESSIONS, System::currentTimeMillis),
                new ClusterActions(cluster, versions), cluster.localNode(),
                feed(cluster, groups, versions, upgrades, new HealthResults(health,
                        () -> groups.groups().stream().map(GroupInfo::name).toList(),
                        config.health_seconds() * 1000L, System::currentTimeMillis), config.refresh_millis()),
                config.stream_seconds() * 1000L);
    }

    WebViewServlet(Login login, Set<String> loginRoles, WebSessions sessions, ClusterActions actions,
                   String localNode, StateFeed feed, long streamMillis) {
        this.login = login;
        this.loginRoles = Set.copyOf(loginRoles);
        this.sessions = sessions;
        this.actions = actions;
        this.localNode = localNode;
        this.feed = feed;
        this.streamMillis = streamMillis;
        for (String name : ASSETS.values()) {
            try (InputStream in = WebViewServlet.class.getResourceAsStream("assets/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("the bundle lacks its asset " + name);
                }
                assets.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static StateFeed feed(ClusterService cluster, GroupService groups, VersionService versions,
                          UpgradeService upgrades, java.util.function.Supplier<List<Map<String, Object>>> health,
                          long refreshMillis) {
        return new StateFeed(() -> Json.write(ClusterDocument.build(cluster, groups, versions, upgrades,
                health.get())), refreshMillis, System::currentTimeMillis);
    }

    /** ends every login, which also ends the live streams */
    @Deactivate
    public void deactivate() {
        sessions.closeAll();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Content-Security-Policy", CSP);
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("Referrer-Policy", "no-referrer");
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        try {
            switch (req.getMethod() + " " + path) {
                case "GET " -> resp.sendRedirect(PATH + "/");
                case "GET /", "GET /assets/cutover.js", "GET /assets/cutover.css" -> asset(resp, ASSETS.get(path));
                case "GET /api/session" -> json(resp, sessionDocument(session(req)));
                case "GET /api/state" -> {
                    session(req);
                    raw(resp, feed.current());
                }
                case "GET /api/events" -> {
                    WebSessions.Session s = session(req);
                    if (!streams.tryAcquire()) {
                        throw new WebError(503, MAX_STREAMS + " pages follow this node already: try later");
                    }
                    try {
                        stream(resp, s);
                    } finally {
                        streams.release();
                    }
                }
                case "POST /api/login" -> login(req, resp);
                case "POST /api/logout" -> {
                    sessions.close(changing(req).id);
                    resp.setHeader("Set-Cookie", cookie(req, "", 0));
                    json(resp, Map.of("message", "logged out"));
                }
                case "POST /api/check" -> json(resp, actions.check(changing(req), level(req), groups(req),
                        flag(req, "downgrade")));
                case "POST /api/adjust" -> {
                    Map<String, Object> done = actions.adjust(changing(req), level(req), groups(req),
                            flag(req, "downgrade"), flag(req, "noRevert"));
                    feed.invalidate();
                    json(resp, done);
                }
                case "POST /api/hold" -> {
                    Map<String, Object> done = actions.hold(changing(req), flag(req, "held"), groups(req));
                    feed.invalidate();
                    json(resp, done);
                }
                default -> throw new WebError(path.startsWith("/api/") && !"POST".equals(req.getMethod())
                        && !"GET".equals(req.getMethod()) ? 405 : 404, "no " + req.getMethod() + " " + PATH + path);
            }
        } catch (WebError e) {
            resp.setStatus(e.status);
            json(resp, Map.of("error", e.getMessage()));
        } catch (RuntimeException e) {
            // a service refusing or gone (a group unknown, the node stopping): the page shows why
            resp.setStatus(500);
            json(resp, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    private void login(HttpServletRequest req, HttpServletResponse resp) throws IOException, WebError {
        sameOrigin(req);
        if (req.getHeader(CSRF_HEADER) == null) {
            throw new WebError(403, "a login comes from the page (header " + CSRF_HEADER + ")");
        }
        String user = req.getParameter("user");
        String password = req.getParameter("password");
        if (user == null || user.isBlank() || password == null) {
            throw new WebError(400, "give a user and a password");
        }
        Subject subject;
        try {
            subject = login.login(user, password.toCharArray());
        } catch (LoginException e) {
            try {
                Thread.sleep(LOGIN_FAILURE_DELAY_MILLIS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw new WebError(401, "wrong user or password");
        }
        WebSessions.Session s = sessions.open(subject);
        if (s.roles.stream().noneMatch(loginRoles::contains)) {
            sessions.close(s.id);
            throw new WebError(403, "user " + s.user + " has none of the roles " + new java.util.TreeSet<>(loginRoles)
                    + " the web view needs");
        }
        resp.setHeader("Set-Cookie", cookie(req, s.id, -1));
        json(resp, sessionDocument(s));
    }

    private Map<String, Object> sessionDocument(WebSessions.Session s) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("node", localNode);
        doc.put("user", s.user);
        doc.put("roles", s.roles);
        doc.put("csrf", s.csrf);
        doc.put("may", actions.may(s));
        return doc;
    }

    /** the live cluster document: a new event whenever it changes, until the stream's time is up */
    private void stream(HttpServletResponse resp, WebSessions.Session s) throws IOException {
        resp.setContentType("text/event-stream");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        PrintWriter out = resp.getWriter();
        out.write("retry: 1000\n\n");
        String sent = null;
        long now = System.currentTimeMillis();
        long end = now + streamMillis;
        long lastWrite = now;
        while (now < end && sessions.isOpen(s)) {
            String doc = feed.current();
            if (!doc.equals(sent)) {
                out.write("data: " + doc + "\n\n");
                sent = doc;
                lastWrite = now;
            } else if (now - lastWrite >= KEEP_ALIVE_MILLIS) {
                out.write(": still here\n\n");
                lastWrite = now;
            }
            out.flush();
            if (out.checkError()) {
                return; // the page went away
            }
            try {
                Thread.sleep(StateFeed.POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            now = System.currentTimeMillis();
        }
        if (!sessions.isOpen(s)) {
            out.write("event: logout\ndata: {}\n\n");
            out.flush();
        }
    }

    private WebSessions.Session session(HttpServletRequest req) throws WebError {
        String id = null;
        if (req.getCookies() != null) {
            for (Cookie c : req.getCookies()) {
                if (COOKIE.equals(c.getName())) {
                    id = c.getValue();
                }
            }
        }
        return sessions.find(id).orElseThrow(() -> new WebError(401, "log in first"));
    }

    /** the session of a request that changes something: it must carry the session's token and come from here */
    private WebSessions.Session changing(HttpServletRequest req) throws WebError {
        sameOrigin(req);
        WebSessions.Session s = session(req);
        if (!s.carries(req.getHeader(CSRF_HEADER))) {
            throw new WebError(403, "this request does not carry the page's token (header " + CSRF_HEADER + ")");
        }
        return s;
    }

    /** browsers name the page that sent a POST: it must be this host's */
    private static void sameOrigin(HttpServletRequest req) throws WebError {
        String origin = req.getHeader("Origin");
        if (origin == null) {
            return;
        }
        try {
            URI o = URI.create(origin);
            String host = req.getHeader("Host");
            if (host != null && !host.equalsIgnoreCase(o.getRawAuthority())) {
                throw new WebError(403, "a request from " + origin + " to " + host + " is refused");
            }
        } catch (IllegalArgumentException e) {
            throw new WebError(403, "a request from " + origin + " is refused");
        }
    }

    private static String cookie(HttpServletRequest req, String value, int maxAge) {
        return COOKIE + "=" + value + "; Path=" + PATH + "; HttpOnly; SameSite=Strict"
                + (maxAge >= 0 ? "; Max-Age=" + maxAge : "") + (req.isSecure() ? "; Secure" : "");
    }

    private static int level(HttpServletRequest req) throws WebError {
        String v = req.getParameter("level");
        try {
            return Integer.parseInt(v == null ? "" : v.strip());
        } catch (NumberFormatException e) {
            throw new WebError(400, "level must be a number, not '" + v + "'");
        }
    }

    /** the groups named (comma or space separated); none means every group */
    private static List<String> groups(HttpServletRequest req) {
        String v = req.getParameter("groups");
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String g : v.split("[,\\s]+")) {
                if (!g.isEmpty()) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    private static boolean flag(HttpServletRequest req, String name) {
        return "true".equals(req.getParameter(name));
    }

    private void asset(HttpServletResponse resp, String name) throws IOException {
        byte[] body = assets.get(name);
        resp.setContentType(name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css"
                : "text/html");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-cache");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private static void json(HttpServletResponse resp, Map<String, ?> doc) throws IOException {
        raw(resp, Json.write(doc));
    }

    private static void raw(HttpServletResponse resp, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
