package org.cutover.web.internal;

/** A request the view refuses, with the HTTP status and the message the page shows. */
final class WebError extends Exception {

    private static final long serialVersionUID = 1L;

    final int status;

    WebError(int status, String message) {
        super(message);
        this.status = status;
    }
}
