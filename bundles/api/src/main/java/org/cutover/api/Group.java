package org.cutover.api;

import org.osgi.annotation.versioning.ProviderType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** A member's handle on a group it has joined; Cutover implements it, applications use it. */
@ProviderType
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
     * the group's current level. Returns once the message has its place in the
     * order and is applied on this node (a read through this node sees it).
     *
     * @throws GroupException if this member has left the group, or the message
     *         was not sent ({@link ReasonCode#GROUP_PARTITIONED} on a side
     *         without a majority), or its outcome is unknown
     *         ({@link ReasonCode#NOT_CONNECTED}: not applied in time; it may
     *         still be, once, in its place, so a retry can deliver it twice)
     */
    void send(byte[] payload);

    /**
     * Queues a message for the group's total order and returns at once; the
     * stage completes as {@link #send} returns, or fails with the
     * {@link GroupException} it would throw. Messages a member queues keep the
     * order of the calls. Many queued messages share one commit, so this is the
     * way to stream. When too many wait (the node's queue is bounded), the call
     * blocks until there is room, at most the operation timeout.
     *
     * <p>A member's stages complete in its delivery order (those that succeed
     * in the order of the calls), on the thread that delivers to it: what is
     * chained to a stage without an executor runs there, like a listener's
     * callback, and may likewise send and wait for that send; it must not wait
     * for a later stage of the same member, which comes after it.
     *
     * @throws GroupException if this member has left the group
     */
    CompletionStage<Void> sendAsync(byte[] payload);

    /**
     * Sends a request in the group's order and collects every member's reply
     * ({@link GroupListener#onRequest}); needs {@link InfraFunction#REQUEST_ALL}.
     * The stage completes in the member's delivery order, as a
     * {@link #sendAsync} stage does.
     *
     * @throws FunctionUnavailableException if the group's current level lacks the function
     */
    CompletionStage<RequestResult> request(byte[] payload, Duration timeout);

    /** whether the group's current level brings the function of an infrastructure bundle, by its name */
    boolean supports(String extension);

    /**
     * Calls a function that the group's infrastructure level brings with it
     * ({@link org.cutover.api.spi.InfraProtocol#extensions()}), not one core
     * knows: the level encodes the argument, and every member delivers the
     * messages the level makes of it, at one position of the group's order.
     * Returns as {@link #send} does. Applications seldom call this: the
     * infrastructure bundle offers its function through an interface of its
     * own (3.0.0's {@code org.cutover.infra.batch.Batches}).
     *
     * @throws FunctionUnavailableException if the group's current level does not bring the function
     * @throws GroupException as {@link #send} does
     */
    void sendExtension(String extension, byte[] argument);

    /** leaves the group in an orderly way */
    void leave();

    @Override
    default void close() {
        leave();
    }
}
