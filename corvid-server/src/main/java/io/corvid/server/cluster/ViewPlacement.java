package io.corvid.server.cluster;

import io.corvid.common.SlotHash;
import java.util.List;

/**
 * Interim slot placement, until the cluster core (module corvid-cluster) decides topologies: a
 * pure function of the JGroups view, so every member computes the same table from the same view
 * without exchanging messages, and the view id (which the JGroups coordinator assigns and every
 * member agrees on) is the epoch.
 *
 * <p>Member i of n (in view order: the coordinator first, then by join order) is primary of the
 * slots {@code [i*16384/n, (i+1)*16384/n)}, and members i+1 .. i+r (mod n) hold its replicas. This
 * is balanced but not stable: a join or leave moves most slots, which the core's consistent
 * hashing fixes. Nothing migrates data yet, so a moved slot starts empty on its new owner.
 */
final class ViewPlacement {
  private ViewPlacement() {}

  static SlotTable compute(long epoch, List<ClusterMember> members, int self, int replicas) {
    int n = members.size();
    int[] primary = new int[SlotHash.SLOT_COUNT];
    int[][] reps = new int[SlotHash.SLOT_COUNT][];
    if (n == 0) {
      java.util.Arrays.fill(primary, SlotTable.NO_NODE);
      return new SlotTable(epoch, members, self, primary, reps);
    }
    int r = Math.min(replicas, n - 1);
    for (int i = 0; i < n; i++) {
      int from = (int) ((long) i * SlotHash.SLOT_COUNT / n);
      int to = (int) ((long) (i + 1) * SlotHash.SLOT_COUNT / n);
      int[] mine = new int[r];
      for (int k = 0; k < r; k++) {
        mine[k] = (i + 1 + k) % n;
      }
      for (int slot = from; slot < to; slot++) {
        primary[slot] = i;
        reps[slot] = mine;
      }
    }
    return new SlotTable(epoch, members, self, primary, reps);
  }
}
