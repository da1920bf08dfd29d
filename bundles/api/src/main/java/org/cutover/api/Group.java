package org.cutover.api;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** A member's handle on a group it has joined. */
public interface Group extends AutoCloseable {

    String name();

    /** this member */
    Member self();

    /** the group's current infrastructure level */
    int level();

    /** the group's epoch: increases by one with every applied adjust */
    long epoch();

    /** the members in join order */
    List<Member> members();

    /** whether the group's current level offers the function */
    boolean supports(InfraFunction function);

    /**
     * Sends a message to every member in the group's total order, encoded with
     * the group's current level.
     *
     * @throws GroupException if this member has left the group
     */
    void send(byte[] payload);

    /**
     * Sends a request in the group's order and collects every member's reply
     * ({@link GroupListener#onRequest}); needs {@link InfraFunction#REQUEST_ALL}.
     *
     * @throws FunctionUnavailableException if the group's current level lacks the function
     */
    CompletionStage<RequestResult> request(byte[] payload, Duration timeout);

    /** leaves the group in an orderly way */
    void leave();

    @Override
    default void close() {
        leave();
    }
}
