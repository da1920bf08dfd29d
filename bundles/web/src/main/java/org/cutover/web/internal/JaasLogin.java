package org.cutover.web.internal;

import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;

/**
 * A login against a JAAS realm of the node: Karaf's {@code karaf} realm by default, the one its ssh console and JMX
 * connector use, so the page knows the same users, passwords and roles (etc/users.properties, or LDAP...).
 */
final class JaasLogin implements Login {

    private final String realm;

    JaasLogin(String realm) {
        this.realm = realm;
    }

    @Override
    public Subject login(String user, char[] password) throws LoginException {
        Subject subject = new Subject();
        LoginContext context = new LoginContext(realm, subject, callbacks -> {
            for (Callback c : callbacks) {
                if (c instanceof NameCallback name) {
                    name.setName(user);
                } else if (c instanceof PasswordCallback pass) {
                    pass.setPassword(password);
                } else {
                    throw new UnsupportedCallbackException(c);
                }
            }
        });
        // Karaf's login modules are found through its boot class path (org.apache.karaf.jaas.boot), which the
        // framework delegates to from any class loader, the servlet container's included
        context.login();
        return subject;
    }
}
