package io.corvid.server.cluster;

import io.corvid.cluster.ClusterNode;

/**
 * What the request path knows of the cluster: the current {@link SlotTable}, replaced as a whole
 * by the cluster thread (volatile publication of an immutable table), the cluster core
 * ({@link ClusterNode}) for the checks that change between topologies (a slot paused for its
 * switch of owner, a node cut off in a minority), plus counters for CLUSTER INFO. Exists only in
 * cluster mode: a node without it pays nothing for cluster routing.
 *
 * <p>The table and the core are only ever changed with the node lock held, and the router reads
 * them with that lock held, so a command sees the core's state and the table of one moment.
 */
public final class ClusterState {
  private volatile SlotTable table = SlotTable.empty();
  private volatile ClusterNode core;
  private volatile ClusterMember self;
  private volatile boolean replicasServeData;
  private volatile long messagesSent;
  private volatile long messagesReceived;

  public SlotTable table() {
    return table;
  }

  /** The cluster core; null until the cluster service has started. Call it with the node lock held. */
  public ClusterNode core() {
    return core;
  }

  /** This node as others know it; null until the cluster service has started. */
  public ClusterMember self() {
    return self;
  }

  void setSelf(ClusterMember self) {
    this.self = self;
  }

  /**
   * Whether replicas hold the slots' data (a data plane replicates): they are then listed in
   * CLUSTER SLOTS and reported online in CLUSTER SHARDS; without one they are reported as Redis
   * reports replicas that have not synced.
   */
  public boolean replicasServeData() {
    return replicasServeData;
  }

  void setReplicasServeData(boolean b) {
    this.replicasServeData = b;
  }

  /** With the node lock held: the core and the table of its current topology. */
  public void install(ClusterNode core, SlotTable table) {
    this.core = core;
    this.table = table;
  }

  /** With the node lock held (the cluster thread): a new table of the core's topology. */
  public void publish(SlotTable next) {
    table = next;
  }

  void countSent() {
    messagesSent++;
  }

  void countReceived() {
    messagesReceived++;
  }

  public long messagesSent() { return messagesSent; }
  public long messagesReceived() { return messagesReceived; }
}
