package io.corvid.cluster;

/**
 * One copy of a slot being moved: node {@code to} receives the slot's data (a snapshot, then the
 * live stream) from the slot's primary, and at the switch it takes over {@code from}'s role for
 * the slot in a new epoch.
 *
 * <ul>
 *   <li>{@code to} not yet an owner: after the switch {@code from} no longer holds the slot (it
 *       drops its copy). When {@code from} is the primary this is a primary move: until the switch
 *       {@code from} serves the slot, and an adapter may send -ASK for keys it no longer has.
 *   <li>{@code to} already a replica and {@code from} the primary: a role swap (a promotion
 *       without moving data); after the switch {@code from} is a replica of {@code to}.
 * </ul>
 *
 * The switch happens only after the primary paused writes to the slot and {@code to} acknowledged
 * the primary's last offset, so no acknowledged write is left behind.
 */
public record Migration(int slot, NodeId from, NodeId to) {
  public Migration {
    if (slot < 0 || slot >= io.corvid.common.SlotHash.SLOT_COUNT) {
      throw new IllegalArgumentException("slot out of range: " + slot);
    }
    if (from == null || to == null || from.equals(to)) {
      throw new IllegalArgumentException("migration needs two distinct nodes: " + from + " -> " + to);
    }
  }
}
