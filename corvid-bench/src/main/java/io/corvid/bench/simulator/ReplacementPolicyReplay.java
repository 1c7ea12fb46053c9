package io.corvid.bench.simulator;

import io.corvid.common.Clock;
import io.corvid.common.FakeClock;
import io.corvid.storage.policy.ReplacementPolicy;
import java.util.Arrays;

/**
 * Drives a storage-engine {@link ReplacementPolicy} the way the keyspace does: a hit is a key
 * that is present; a miss stores the key, calls {@code onInsert}, then removes
 * {@code victim()} while the cache is over capacity (the victim may be the key just inserted).
 *
 * <p>Node ids are handed out densely and recycled when an entry leaves, as the keyspace's
 * entry slots are, so a policy sees at most capacity + 1 live nodes and reused ids.
 *
 * <p>Traces carry no time, so the policy's clock is a {@link FakeClock} that advances a fixed
 * {@code nanosPerRequest} per request (0: time stands still, so LFU counters never decay).
 *
 * <p>The replay checks the policy as it goes: a victim that is not cached, or a size that
 * disagrees with the replay's own count, fails loudly instead of skewing the hit ratio.
 */
public final class ReplacementPolicyReplay implements SimulatedPolicy {

  private static final int NONE = -1;

  private final String name;
  private final String origin;
  private final Factory factory;
  private final long nanosPerRequest;

  /** Makes a fresh policy for one replay. */
  @FunctionalInterface
  public interface Factory {
    /**
     * @param capacity the replay's budget (the replay also calls {@code setMaximum(capacity)})
     * @param clock the simulated clock, advanced by the replay
     * @param weighted true when the trace's weights are bytes rather than entry counts
     */
    ReplacementPolicy create(long capacity, Clock clock, boolean weighted);
  }

  public ReplacementPolicyReplay(String name, String origin, Factory factory) {
    this(name, origin, factory, 0);
  }

  public ReplacementPolicyReplay(String name, String origin, Factory factory, long nanosPerRequest) {
    if (nanosPerRequest < 0) {
      throw new IllegalArgumentException("nanosPerRequest must be >= 0: " + nanosPerRequest);
    }
    this.name = name;
    this.origin = origin;
    this.factory = factory;
    this.nanosPerRequest = nanosPerRequest;
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
    FakeClock clock = new FakeClock();
    ReplacementPolicy policy = factory.create(capacity, clock, trace.weighted());
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
      if (nanosPerRequest != 0) {
        clock.advance(nanosPerRequest, java.util.concurrent.TimeUnit.NANOSECONDS);
      }
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
        policy.ensureCapacity(node + 1);
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
