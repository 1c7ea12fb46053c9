package io.corvid.server.cluster;

/**
 * What the request path knows of the cluster: the current {@link SlotTable}, replaced as a whole by
 * the cluster thread (volatile publication of an immutable table), plus counters for CLUSTER INFO.
 * Exists only in cluster mode: a node without it pays nothing for cluster routing.
 */
public final class ClusterState {
  private volatile SlotTable table = SlotTable.empty();
  private volatile ClusterMember self;
  private volatile long messagesSent;
  private volatile long messagesReceived;

  public SlotTable table() {
    return table;
  }

  /** This node as others know it; null until the cluster service has started. */
  public ClusterMember self() {
    return self;
  }

  void setSelf(ClusterMember self) {
    this.self = self;
  }

  /** Called by the cluster thread only. */
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
