package io.corvid.bench.simulator;

import java.util.Arrays;

/**
 * A trace held in memory in the form every replay wants: each request is a dense key id
 * (0 ≤ id < {@link #distinctKeys()}), so policies and the simulator index arrays instead of
 * hashing. The original key of each id is kept for Caffeine (whose sketch hashes the key
 * itself) and for {@link #keyHash}.
 *
 * <p>A trace is read once and replayed by every policy at every capacity.
 */
public final class Trace {

  private final String name;
  private final int[] requests;
  private final long[] keys;
  private final long[] keyHashes;
  private final int[] weights;

  private Trace(String name, int[] requests, long[] keys, int[] weights) {
    this.name = name;
    this.requests = requests;
    this.keys = keys;
    this.weights = weights;
    this.keyHashes = new long[keys.length];
    for (int id = 0; id < keys.length; id++) {
      keyHashes[id] = KeyHash.mix(keys[id]);
    }
  }

  public String name() {
    return name;
  }

  public int requestCount() {
    return requests.length;
  }

  public int distinctKeys() {
    return keys.length;
  }

  /** The dense key id of request {@code i}. */
  public int request(int i) {
    return requests[i];
  }

  /** The key as the trace file spells it. */
  public long originalKey(int id) {
    return keys[id];
  }

  public long keyHash(int id) {
    return keyHashes[id];
  }

  /** True when requests carry sizes (adapt_size): capacities are then in weight units (bytes). */
  public boolean weighted() {
    return weights != null;
  }

  public int weight(int id) {
    return weights == null ? 1 : weights[id];
  }

  /** 1 − distinct/requests: the hit ratio of an unbounded cache, as a percentage. */
  public double maxHitRatioPercent() {
    return requests.length == 0 ? 0 : 100.0 * (requests.length - keys.length) / requests.length;
  }

  /** Collects requests into a {@link Trace}. */
  static final class Builder implements RequestSink {

    private final String name;
    private final boolean weighted;
    private final LongIntMap idOfKey = new LongIntMap();
    private int[] requests = new int[1 << 16];
    private int requestCount;
    private long[] keys = new long[1 << 12];
    private int[] weights;

    Builder(String name, boolean weighted) {
      this.name = name;
      this.weighted = weighted;
      this.weights = weighted ? new int[keys.length] : null;
    }

    @Override
    public void accept(long key, int weight) {
      int distinct = idOfKey.size();
      int id = idOfKey.getOrPut(key, distinct);
      if (id == distinct) {
        if (id == keys.length) {
          keys = Arrays.copyOf(keys, id << 1);
          if (weighted) {
            weights = Arrays.copyOf(weights, id << 1);
          }
        }
        keys[id] = key;
        if (weighted) {
          if (weight <= 0) {
            throw new IllegalArgumentException("weight must be positive: " + weight + " for key " + key);
          }
          weights[id] = weight;
        }
      }
      if (requestCount == requests.length) {
        requests = Arrays.copyOf(requests, Math.addExact(requestCount, requestCount >>> 1));
      }
      requests[requestCount++] = id;
    }

    Trace build() {
      int distinct = idOfKey.size();
      return new Trace(name, Arrays.copyOf(requests, requestCount), Arrays.copyOf(keys, distinct),
          weighted ? Arrays.copyOf(weights, distinct) : null);
    }
  }
}
