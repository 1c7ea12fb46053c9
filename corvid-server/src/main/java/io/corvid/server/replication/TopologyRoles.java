package io.corvid.server.replication;

import io.corvid.cluster.Member;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.SlotRole;
import io.corvid.cluster.Topology;
import io.corvid.common.SlotHash;
import io.corvid.server.cluster.SlotDataPlane;
import java.util.Objects;

/**
 * For a control plane that has topologies but no per-slot role events: the {@link
 * SlotDataPlane#slotRoleChanged} calls that take a node from its roles in one topology to its
 * roles in the next (a role or the slot's primary changed).
 */
public final class TopologyRoles {
  private TopologyRoles() {}

  /** Calls {@code plane.slotRoleChanged} for every slot whose role or primary changed for {@code self}. */
  public static int notify(SlotDataPlane plane, Topology previous, Topology current, NodeId self) {
    int changed = 0;
    for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
      SlotRole before = previous.role(slot, self);
      SlotRole after = current.role(slot, self);
      NodeId primaryBefore = previous.primary(slot);
      NodeId primaryAfter = current.primary(slot);
      if (before != after || (after != SlotRole.PRIMARY && after != SlotRole.NONE && !Objects.equals(primaryBefore, primaryAfter))) {
        Member primary = primaryAfter == null ? null : current.member(primaryAfter);
        plane.slotRoleChanged(slot, before, after, primary);
        changed++;
      }
    }
    return changed;
  }
}
