package org.cutover.api.spi;

import java.util.Objects;

/**
 * A group message before encoding and after decoding.
 *
 * @param kind      what the frame carries
 * @param requestId ties a REQUEST to its REPLYs; 0 for DATA; for an EXTENSION, the code the level gives its
 *                  function
 * @param payload   the application's bytes
 */
public record Frame(Kind kind, long requestId, byte[] payload) {

    public Frame {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
    }

    public static Frame data(byte[] payload) {
        return new Frame(Kind.DATA, 0, payload);
    }

    public enum Kind {
        /** an ordered broadcast */
        DATA,
        /** a request every member answers (level 2) */
        REQUEST,
        /** one member's answer to a request (level 2) */
        REPLY,
        /**
         * a frame of a function that the level brings with it and core does not know (level 3's atomic batch):
         * core hands it back to the level, which says what the members deliver ({@link InfraProtocol#messages})
         *
         * @since 1.2
         */
        EXTENSION
    }
}
