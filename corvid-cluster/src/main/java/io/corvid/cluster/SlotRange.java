package io.corvid.cluster;

import java.util.List;

/**
 * Consecutive slots {@code start..end} (inclusive) with the same owners: what one entry of
 * CLUSTER SLOTS lists. {@code primary} is null for unassigned slots (an empty topology).
 */
public record SlotRange(int start, int end, NodeId primary, List<NodeId> replicas) {
  public SlotRange {
    if (start < 0 || end < start || end >= io.corvid.common.SlotHash.SLOT_COUNT) {
      throw new IllegalArgumentException("bad slot range " + start + "-" + end);
    }
    replicas = List.copyOf(replicas);
  }

  public int size() {
    return end - start + 1;
  }
}
