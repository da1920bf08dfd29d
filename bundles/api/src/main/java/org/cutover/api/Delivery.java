package org.cutover.api;

/**
 * A group message as a member receives it, in the group's total order.
 *
 * @param group    the group's name
 * @param sender   the member that sent it
 * @param level    the infrastructure level it was encoded with (and decoded with)
 * @param sequence position in this node's delivery stream; increases by one per delivered message of any group
 * @param payload  the application's bytes
 */
public record Delivery(String group, Member sender, int level, long sequence, byte[] payload) {
}
