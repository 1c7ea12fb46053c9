package io.corvid.server.cluster;

/**
 * A node as the cluster and its clients know it: its id (40 hex characters, as a Redis Cluster
 * node id, new at every start), the address clients use ({@code host:port}) and its cluster bus
 * port (JGroups). Each node announces its own in its JGroups address (see {@link ClusterService}).
 */
public record ClusterMember(String nodeId, String host, int port, int busPort) {

  /** "host:port@busport", as CLUSTER NODES prints a node's address. */
  public String nodesAddress() {
    return host + ":" + port + "@" + busPort;
  }
}
