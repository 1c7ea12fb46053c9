package io.corvid.cluster;

/** What {@link ClusterNode} asks its adapter to do, in the order returned. */
public sealed interface Output {

  /**
   * Send {@code payload} to {@code to} over the cluster bus; {@code to == null} means every other
   * member of the current view (the core has already handled its own copy).
   */
  record Send(NodeId to, ClusterMessage message) implements Output {
    /** The bytes to put on the wire ({@link ClusterMessage#encode()}). */
    public byte[] payload() {
      return message.encode();
    }
  }

  /** A newer topology was applied: refresh CLUSTER SLOTS/NODES/SHARDS and the owner check. */
  record TopologyChanged(Topology previous, Topology current) implements Output {}

  /**
   * This node's role for {@code slot} changed (or, for a replica or importer, its primary did).
   * PRIMARY: serve writes when {@link ClusterNode#canWrite}. REPLICA / IMPORTING: follow
   * {@code primary}'s stream of the slot (handshake on offset; snapshot when it does not match).
   * NONE: drop the slot's keys.
   */
  record SlotRoleChanged(int slot, SlotRole before, SlotRole after, NodeId primary) implements Output {}

  /** A graceful leave finished: this node holds nothing and is no longer a member; shut down. */
  record Left(long epoch) implements Output {}
}
