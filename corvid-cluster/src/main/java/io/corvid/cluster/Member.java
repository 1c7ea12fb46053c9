package io.corvid.cluster;

/**
 * What a node announces to the cluster: its id, where clients reach it, its cluster bus port and
 * its placement weight (a node of weight 2 gets twice the slots of a node of weight 1).
 */
public record Member(NodeId id, String host, int clientPort, int busPort, int weight) {
  /** Weight of a node that does not say otherwise. */
  public static final int DEFAULT_WEIGHT = 1;
  /** Largest weight; bounded so that weighted quotas stay far from overflow. */
  public static final int MAX_WEIGHT = 1000;
  /** Longest host name or address accepted in an announcement (DNS names are at most 253). */
  public static final int MAX_HOST_LENGTH = 255;

  public Member {
    if (id == null) {
      throw new IllegalArgumentException("member id is null");
    }
    if (host == null || host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
      throw new IllegalArgumentException("member host must have 1.." + MAX_HOST_LENGTH + " characters: " + host);
    }
    checkPort("client port", clientPort);
    checkPort("bus port", busPort);
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException("member weight must be 1.." + MAX_WEIGHT + ": " + weight);
    }
  }

  public Member(NodeId id, String host, int clientPort, int busPort) {
    this(id, host, clientPort, busPort, DEFAULT_WEIGHT);
  }

  private static void checkPort(String what, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(what + " must be 0..65535: " + port);
    }
  }
}
