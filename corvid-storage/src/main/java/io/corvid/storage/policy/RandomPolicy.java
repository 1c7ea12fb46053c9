package io.corvid.storage.policy;

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
 * Both arrays are paged ({@link IntArray}).
 *
 * <h2>Cost</h2> 8 bytes per node of capacity.
 */
public final class RandomPolicy implements ReplacementPolicy {
  private static final long DEFAULT_SEED = 0x5EEDL;

  private final SplittableRandom random;
  private final IntArray members = new IntArray(0);
  private final IntArray position = new IntArray(-1);
  private int size;
  private int pending = -1;

  public RandomPolicy() {
    this(DEFAULT_SEED);
  }

  public RandomPolicy(long seed) {
    random = new SplittableRandom(seed);
  }

  @Override
  public void onInsert(int node, long keyHash, long weight) {
    ensureCapacity(node + 1);
    members.ensureCapacity(size + 1);
    members.set(size, node);
    position.set(node, size++);
  }

  @Override
  public void onAccess(int node, long keyHash) {}

  @Override
  public void onUpdate(int node, long keyHash, long newWeight) {}

  @Override
  public void onRemove(int node) {
    int at = position.get(node);
    int last = members.get(--size);
    members.set(at, last);
    position.set(last, at);
    position.set(node, -1);
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
      pending = members.get(random.nextInt(size));
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
    position.ensureCapacity(nodes);
    members.ensureCapacity(nodes);
  }

  @Override
  public void relabel(int from, int to) {
    int at = position.get(from);
    members.set(at, to);
    position.set(to, at);
    position.set(from, -1);
    if (pending == from) {
      pending = to;
    }
  }

  @Override
  public void truncateCapacity(int nodes) {
    position.truncate(nodes);
    members.truncate(Math.max(nodes, size));
  }

  @Override
  public long memoryBytes() {
    return members.memoryBytes() + position.memoryBytes();
  }
}
