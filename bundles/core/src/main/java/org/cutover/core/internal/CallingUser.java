package org.cutover.core.internal;

import java.security.AccessController;
import java.security.Principal;
import java.util.TreeSet;

import javax.security.auth.Subject;

import org.cutover.core.internal.wire.Envelope.Asker;

/**
 * The Karaf (JAAS) user of the calling thread: Karaf runs every shell command and JMX operation inside the
 * session's {@link Subject}, whose principals name the user ({@code UserPrincipal}) and its roles
 * ({@code RolePrincipal}, groups already expanded into roles by Karaf's login modules). Read by simple class name,
 * so that core needs no Karaf API. A thread without a subject is code in the node ({@link Asker#NODE}).
 */
public final class CallingUser {

    private CallingUser() {
    }

    @SuppressWarnings("removal") // Subject.current() is JDK 18+; Karaf 4.4 runs on 11 and 17
    public static Asker current() {
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject == null) {
            return Asker.NODE;
        }
        String user = null;
        TreeSet<String> roles = new TreeSet<>();
        for (Principal p : subject.getPrincipals()) {
            switch (p.getClass().getSimpleName()) {
                case "UserPrincipal" -> user = p.getName();
                case "RolePrincipal" -> roles.add(p.getName());
                default -> {
                }
            }
        }
        // a subject without a user is still a login, not code of the node: it gets no rights of the node's
        return new Asker(user == null || user.isEmpty() ? "?" : user, java.util.List.copyOf(roles));
    }
}
