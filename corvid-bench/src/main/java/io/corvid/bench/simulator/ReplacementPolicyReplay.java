package io.corvid.bench.simulator;

import io.corvid.storage.policy.ReplacementPolicy;
import java.util.Arrays;
import java.util.function.LongFunction;

/**
 * Drives a storage-engine {@link ReplacementPolicy} the way the keyspace does: a hit is a key
 * that is present; a miss stores the key, calls {@code onInsert}, then removes
 * {@code victim()} while the cache is over capacity (the victim may be the key just inserted).
 *
 * <p>Node ids are handed out densely and recycled when an entry leaves, as the keyspace's
 * entry slots are, so a policy sees at most capacity + 1 live nodes and reused ids.
 *
 * <p>The replay checks the policy as it goes: a victim that is not cached, or a size that
 * disagrees with the replay's own count, fails loudly instead of skewing the hit ratio.
 */
public final class ReplacementPolicyReplay implements SimulatedPolicy {

  private static final int NONE = -1;

  private final String name;
  private final String origin;
  private final LongFunction<ReplacementPolicy> factory;

  /**
   * @param factory makes a fresh policy for a capacity; the replay then calls
   *     {@code setMaximum(capacity)} on it
   */
  public ReplacementPolicyReplay(String name, String origin, LongFunction<ReplacementPolicy> factory) {
    this.name = name;
    this.origin = origin;
    this.factory = factory;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String origin() {
    return origin;
  }

  @Override
  public long hits(Trace trace, long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    ReplacementPolicy policy = factory.apply(capacity);
    policy.setMaximum(capacity);

    int[] nodeOfKey = new int[trace.distinctKeys()];
    Arrays.fill(nodeOfKey, NONE);
    int[] keyOfNode = new int[(int) Math.min(capacity + 2, trace.distinctKeys() + 1L)];
    int[] freeNodes = new int[keyOfNode.length];
    int freeCount = 0;
    int nodesCreated = 0;
    int entries = 0;
    long weight = 0;
    long hits = 0;

    for (int i = 0, n = trace.requestCount(); i < n; i++) {
      int key = trace.request(i);
      int node = nodeOfKey[key];
      if (node != NONE) {
        hits++;
        policy.onAccess(node, trace.keyHash(key));
        continue;
      }
      if (freeCount > 0) {
        node = freeNodes[--freeCount];
      } else {
        node = nodesCreated++;
        if (node == keyOfNode.length) {
          keyOfNode = Arrays.copyOf(keyOfNode, node << 1);
          freeNodes = Arrays.copyOf(freeNodes, node << 1);
        }
      }
      nodeOfKey[key] = node;
      keyOfNode[node] = key;
      entries++;
      int w = trace.weight(key);
      weight += w;
      policy.onInsert(node, trace.keyHash(key), w);

      while (weight > capacity) {
        int victim = policy.victim();
        if (victim < 0 || victim >= nodesCreated || keyOfNode[victim] == NONE) {
          throw new IllegalStateException(policy.name() + " chose victim " + victim
              + ", which is not a cached node (request " + i + ", " + entries + " entries)");
        }
        policy.onRemove(victim);
        int victimKey = keyOfNode[victim];
        keyOfNode[victim] = NONE;
        nodeOfKey[victimKey] = NONE;
        freeNodes[freeCount++] = victim;
        entries--;
        weight -= trace.weight(victimKey);
      }
    }
    if (policy.size() != entries) {
      throw new IllegalStateException(policy.name() + " reports size " + policy.size()
          + " but holds " + entries + " entries after the replay");
    }
    return hits;
  }
}
