package org.cutover.web.internal;

import java.security.Principal;
import java.util.Map;
import java.util.Set;

import javax.security.auth.Subject;
import javax.security.auth.login.FailedLoginException;

/**
 * Principals named as Karaf's are (the page reads them by simple class name), and a {@link Login} over a fixed
 * table of users, passwords and roles.
 */
final class TestPrincipals {

    record UserPrincipal(String getName) implements Principal {
    }

    record RolePrincipal(String getName) implements Principal {
    }

    private TestPrincipals() {
    }

    /** user → password and roles */
    static Login login(Map<String, Map.Entry<String, Set<String>>> users) {
        return (user, password) -> {
            Map.Entry<String, Set<String>> u = users.get(user);
            if (u == null || !u.getKey().equals(new String(password))) {
                throw new FailedLoginException("wrong password");
            }
            Subject s = new Subject();
            s.getPrincipals().add(new UserPrincipal(user));
            u.getValue().forEach(r -> s.getPrincipals().add(new RolePrincipal(r)));
            return s;
        };
    }
}
