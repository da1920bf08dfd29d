package org.cutover.api;

/**
 * A group message as a member receives it, in the group's total order.
 *
 * @param group    the group's name
 * @param sender   the member that sent it
 * @param level    the infrastructure level it was encoded with (and decoded with)
 * @param sequence the message's position in the cluster log: the same on every node for the same message,
 *                 increasing along a group's stream but not necessarily contiguous (the log also holds other
 *                 groups' messages and membership changes); the messages of one atomic batch (a function of
 *                 infrastructure level 3) share one position and come one after the other
 * @param payload  the application's bytes
 */
public record Delivery(String group, Member sender, int level, long sequence, byte[] payload) {
}
