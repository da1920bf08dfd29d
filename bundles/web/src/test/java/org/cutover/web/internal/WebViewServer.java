package org.cutover.web.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.cutover.api.ClusterService;
import org.cutover.api.GroupService;
import org.cutover.api.version.UpgradeService;
import org.cutover.api.version.VersionService;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

/**
 * The web view's servlet in an embedded Jetty 9.4 (the servlet container of Karaf 4.4's Pax Web) on loopback, over
 * a node's services, with users admin (roles admin, viewer), viewer (viewer) and nobody (no role of the view).
 */
final class WebViewServer implements AutoCloseable {

    static final String PASSWORD = "secret-password";

    private final Server server;

    WebViewServer(FakeCluster cluster, long streamMillis) throws Exception {
        this(cluster, cluster, cluster, cluster, streamMillis);
    }

    WebViewServer(ClusterService cluster, GroupService groups, VersionService versions, UpgradeService upgrades,
                  long streamMillis) throws Exception {
        Login login = TestPrincipals.login(Map.of(
                "admin", Map.entry(PASSWORD, Set.of("admin", "viewer")),
                "viewer", Map.entry(PASSWORD, Set.of("viewer")),
                "nobody", Map.entry(PASSWORD, Set.of("ssh"))));
        WebViewServlet servlet = new WebViewServlet(login, Set.of("viewer", "admin"),
                new WebSessions(60_000, 16, System::currentTimeMillis), new ClusterActions(cluster, versions),
                cluster.localNode(), WebViewServlet.feed(cluster, groups, versions, upgrades, List::of, 250), streamMillis);
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(servlet), WebViewServlet.PATH + "/*");
        server.setHandler(context);
        server.start();
    }

    /** http://127.0.0.1:PORT */
    String base() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
