package io.corvid.cluster;

import java.util.SplittableRandom;

/**
 * A node's identity: 40 lowercase hex characters, like a Redis Cluster node id (what CLUSTER MYID
 * and CLUSTER NODES print). One id names one process incarnation: a node restarted after a crash
 * comes back with a new id unless its adapter persisted the old one, because its data is gone.
 *
 * <p>Ids are ordered by their text; the order is used only to make decisions deterministic.
 */
public record NodeId(String hex) implements Comparable<NodeId> {
  /** Length of the hex form, as in Redis ({@code CLUSTER_NAMELEN}). */
  public static final int HEX_LENGTH = 40;

  public NodeId {
    if (hex == null || hex.length() != HEX_LENGTH) {
      throw new IllegalArgumentException("node id must be " + HEX_LENGTH + " hex characters: " + hex);
    }
    for (int i = 0; i < HEX_LENGTH; i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new IllegalArgumentException("node id must be lowercase hex: " + hex);
      }
    }
  }

  /** Parses a node id; the same as the constructor (lowercase hex only). */
  public static NodeId of(String hex) {
    return new NodeId(hex);
  }

  /** A node id drawn from a seed: the same seed gives the same id (the simulator's ids). */
  public static NodeId fromSeed(long seed) {
    return random(new SplittableRandom(seed));
  }

  /** A node id drawn from the given source (production passes a SecureRandom-seeded one). */
  public static NodeId random(SplittableRandom random) {
    StringBuilder sb = new StringBuilder(HEX_LENGTH);
    for (int i = 0; i < HEX_LENGTH; i++) {
      sb.append(Character.forDigit(random.nextInt(16), 16));
    }
    return new NodeId(sb.toString());
  }

  /** 64 bits of the id, for hashing (the first 16 hex characters). */
  public long hash64() {
    return Long.parseUnsignedLong(hex.substring(0, 16), 16);
  }

  /** The first 8 characters, for logs. */
  public String shortId() {
    return hex.substring(0, 8);
  }

  @Override
  public int compareTo(NodeId o) {
    return hex.compareTo(o.hex);
  }

  // Explicit (the same values as the record's generated ones): ids are compared and hashed on
  // every hot path of the core and the simulator.
  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof NodeId other && hex.equals(other.hex));
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  @Override
  public String toString() {
    return hex;
  }
}
