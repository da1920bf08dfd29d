package org.cutover.example.internal;

/**
 * What a member's map has applied, and what the senders' counters revealed.
 *
 * @param applied      writes applied
 * @param lastSequence {@link org.cutover.api.Delivery#sequence()} of the last message applied (0 before any)
 * @param lost         counters skipped and not (yet) delivered late
 * @param duplicated   counters delivered again
 * @param reordered    counters delivered after a higher one of the same sender
 * @param rejected     messages that were not writes (never applied, on any member)
 * @param chain        the delivery chain up to {@code lastSequence}, hexadecimal (see {@link KvMap})
 */
public record ApplyCounters(long applied, long lastSequence, long lost, long duplicated, long reordered,
                            long rejected, String chain) {
}
