package io.corvid.storage.policy;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Uniformly random replacement, as Redis's {@code allkeys-random}.
 *
 * <h2>Design</h2>
 * The tracked nodes are kept densely in {@code members[0..size)}, with {@code position[node]} the
 * index of a node in it, so insert, remove (swap with the last member) and a uniform pick are all
 * O(1). The random source is seeded so that simulations are reproducible.
 *
 * <h2>Invariants</h2>
 * {@code members[position[n]] == n} for every tracked n; {@code position[n] == -1} otherwise.
 *
 * <h2>Cost</h2> 8 bytes per node of capacity.
 */
public final class RandomPolicy implements ReplacementPolicy {
  private static final long DEFAULT_SEED = 0x5EEDL;

  private final SplittableRandom random;
  private int[] members = new int[16];
  private int[] position = new int[16];
  private int size;
  private int pending = -1;

  public RandomPolicy() {
    this(DEFAULT_SEED);
  }

  public RandomPolicy(long seed) {
    random = new SplittableRandom(seed);
    Arrays.fill(position, -1);
  }

  @Override
  public void onInsert(int node, long keyHash, long weight) {
    ensureCapacity(node + 1);
    if (size == members.length) {
      members = Arrays.copyOf(members, members.length + (members.length >> 1) + 1);
    }
    members[size] = node;
    position[node] = size++;
  }

  @Override
  public void onAccess(int node, long keyHash) {}

  @Override
  public void onUpdate(int node, long keyHash, long newWeight) {}

  @Override
  public void onRemove(int node) {
    int at = position[node];
    int last = members[--size];
    members[at] = last;
    position[last] = at;
    position[node] = -1;
    if (pending == node) {
      pending = -1;
    }
  }

  /** A uniformly random tracked node; the same one until it is removed, so the call is repeatable. */
  @Override
  public int victim() {
    if (size == 0) {
      return -1;
    }
    if (pending < 0) {
      pending = members[random.nextInt(size)];
    }
    return pending;
  }

  @Override
  public void setMaximum(long maximum) {}

  @Override
  public int size() {
    return size;
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  public void ensureCapacity(int nodes) {
    if (nodes > position.length) {
      int old = position.length;
      position = Arrays.copyOf(position, Math.max(nodes, old + (old >> 1)));
      Arrays.fill(position, old, position.length, -1);
    }
  }

  @Override
  public long memoryBytes() {
    return 32 + 4L * members.length + 4L * position.length;
  }
}
