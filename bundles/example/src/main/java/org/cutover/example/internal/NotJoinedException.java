package org.cutover.example.internal;

/** The store's member has not (yet) joined group {@value KvStore#GROUP}. */
public final class NotJoinedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotJoinedException(String detail) {
        super("group " + KvStore.GROUP + " not joined yet on this node" + (detail == null ? "" : ": " + detail));
    }
}
