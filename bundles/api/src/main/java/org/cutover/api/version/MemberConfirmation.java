package org.cutover.api.version;

import java.time.Duration;

import org.cutover.api.Member;

/**
 * One member confirmed an adjust.
 *
 * @param member  the member
 * @param elapsed from the adjust being sent until the member's node had applied it
 */
public record MemberConfirmation(Member member, Duration elapsed) {
}
