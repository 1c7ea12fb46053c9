package io.corvid.cluster;

/** What one node is for one slot in a topology. */
public enum SlotRole {
  /** Serves reads and writes, streams the slot to its replicas and to a migration target. */
  PRIMARY,
  /** Follows the primary's stream; serves reads after READONLY. */
  REPLICA,
  /** Not an owner yet: receives the slot from its primary as the target of a migration. */
  IMPORTING,
  /** Holds nothing of the slot. */
  NONE
}
