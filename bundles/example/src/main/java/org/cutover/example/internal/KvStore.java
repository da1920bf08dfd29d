package org.cutover.example.internal;

import java.time.Duration;
import java.util.Optional;

import org.cutover.api.FunctionUnavailableException;

/**
 * The replicated key-value store of this node, as the {@code kv} commands use
 * it. Every operation except {@link #stats()} needs this node's member to have
 * joined group {@value #GROUP}, else it throws {@link NotJoinedException}.
 */
public interface KvStore {

    /** the group every store joins */
    String GROUP = "kv";

    /** the keys a load shares with every other node's load unless told otherwise: k1 … k1000 */
    long DEFAULT_LOAD_KEYS = 1000;

    /** a load's key space of one key of its own per write */
    long UNIQUE_KEYS = 0;

    /** sends the write in the group's order; returns once it is committed and applied here (a get then sees it) */
    void put(String key, String value);

    /**
     * Writes all the keys as one atomic batch (infrastructure level 3): every member applies all of them at one
     * position of the group's order, nothing between them; returns as {@link #put} does.
     *
     * @throws FunctionUnavailableException if group kv does not run level 3, or no infrastructure on this node
     *         brings atomic batches
     * @throws IllegalArgumentException if there are no entries
     */
    void putAll(java.util.SortedMap<String, String> entries);

    /** this member's value for the key, as of the writes delivered so far */
    Optional<String> get(String key);

    int size();

    /**
     * Starts {@code count} writes in the background, at most {@code rate} a
     * second ({@code 0} for no limit), and returns at once. Write n sets key
     * {@code k<i>}, i cycling through 1 … {@code keys}, the key space every
     * node's load shares, to {@code <node>-<n>}; with {@code keys}
     * {@link #UNIQUE_KEYS} it sets {@code load-<node>-<n>}, a key no other
     * write sets, to {@code value-<n>}.
     *
     * @throws IllegalStateException if a load is already running
     */
    LoadProgress load(long count, double rate, long keys);

    /** stops the running load, if any, and returns its progress once its thread has ended */
    LoadProgress stopLoad();

    LoadProgress loadProgress();

    /** works joined or not: says which */
    KvStats stats();

    /**
     * Asks every member for the digest of its map in the group's order (a
     * request to all members, infrastructure level 2).
     *
     * @throws FunctionUnavailableException if the group's level does not offer requests to all members
     * @throws java.util.concurrent.TimeoutException if the request did not complete within the timeout
     */
    VerifyReport verify(Duration timeout) throws java.util.concurrent.TimeoutException, InterruptedException;
}
