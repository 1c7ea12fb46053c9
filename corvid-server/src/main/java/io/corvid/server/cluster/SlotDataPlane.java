package io.corvid.server.cluster;

import io.corvid.cluster.Member;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.SlotRole;
import io.corvid.cluster.Topology;

/**
 * The seam between the cluster's control plane and its data plane.
 *
 * <p>The control plane ({@link ClusterService}, which runs corvid-cluster's {@code ClusterNode}
 * on its cluster thread) decides who holds which slot; the data plane (replication streams from
 * a slot's primary to its replicas and to a migration target, snapshots, {@code WAIT}) moves the
 * bytes. The control plane calls the methods below, in the order the core's outputs came, on its
 * cluster thread with the node lock held, so they must return quickly: start or stop work on
 * other threads, never block on the network.
 *
 * <p>The data plane reports back through {@link ControlPlane}: the offset of each write it applied
 * to a slot (as primary, replica or importer) and each replica's acknowledged offset. Writes are
 * applied on an event loop with the node lock held, and {@link ControlPlane#localOffset} is
 * called under that same lock, as the core requires (it compares offsets when it pauses a slot
 * for a switch of owner or picks the most up-to-date replica).
 */
public interface SlotDataPlane {

  /** Called once, before any other method, with the control plane to report to. */
  void start(ControlPlane control);

  /**
   * This node's role for {@code slot} changed, or its primary did. {@code PRIMARY}: serve the slot
   * and stream its writes to the replicas and migration target that {@link #topologyChanged}
   * names. {@code REPLICA} / {@code IMPORTING}: follow {@code primary}'s stream of the slot
   * (resume from the local offset, or a snapshot when the primary's log does not reach back that
   * far). {@code NONE}: stop following and drop the slot's keys (in bounded steps).
   */
  void slotRoleChanged(int slot, SlotRole before, SlotRole after, Member primary);

  /** A newer topology was applied (after the role changes of the same step). */
  void topologyChanged(Topology previous, Topology current);

  /** The node stops (shutdown or after a graceful leave): close every stream. */
  void stop();

  /** What the data plane tells the control plane. Thread-safe. */
  interface ControlPlane {
    /** The offset of the last write applied here to {@code slot}; called with the node lock held. */
    void localOffset(int slot, long offset);

    /** Primary: {@code replica} (a replica or the migration target) has applied up to {@code offset}. */
    void replicaAck(int slot, NodeId replica, long offset);

    /** The topology in force now. */
    Topology topology();

    /** This node. */
    Member self();
  }

  /** No data plane: slots that change owner start empty (the behaviour before replication). */
  SlotDataPlane NONE = new SlotDataPlane() {
    @Override public void start(ControlPlane control) {}
    @Override public void slotRoleChanged(int slot, SlotRole before, SlotRole after, Member primary) {}
    @Override public void topologyChanged(Topology previous, Topology current) {}
    @Override public void stop() {}
  };
}
