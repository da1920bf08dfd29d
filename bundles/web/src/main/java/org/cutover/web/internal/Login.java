package org.cutover.web.internal;

import javax.security.auth.Subject;
import javax.security.auth.login.LoginException;

/** Checks a user's password and returns the logged-in subject, with the user's and its roles' principals. */
@FunctionalInterface
interface Login {

    Subject login(String user, char[] password) throws LoginException;
}
