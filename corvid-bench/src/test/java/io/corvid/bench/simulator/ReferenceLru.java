package io.corvid.bench.simulator;

import io.corvid.storage.policy.ReplacementPolicy;
import java.util.LinkedHashSet;

/**
 * A deliberately naive exact LRU for testing the replay harness itself (never used by the
 * simulator, which runs the storage engine's policies).
 */
class ReferenceLru implements ReplacementPolicy {

  private final LinkedHashSet<Integer> order = new LinkedHashSet<>();

  @Override
  public void onInsert(int node, long keyHash, long weight) {
    if (!order.add(node)) {
      throw new IllegalStateException("node " + node + " inserted twice");
    }
  }

  @Override
  public void onAccess(int node, long keyHash) {
    if (!order.remove(node)) {
      throw new IllegalStateException("access to absent node " + node);
    }
    order.add(node);
  }

  @Override
  public void onUpdate(int node, long keyHash, long newWeight) {
    onAccess(node, keyHash);
  }

  @Override
  public void onRemove(int node) {
    if (!order.remove(node)) {
      throw new IllegalStateException("removal of absent node " + node);
    }
  }

  @Override
  public int victim() {
    return order.isEmpty() ? -1 : order.getFirst();
  }

  @Override
  public void setMaximum(long maximum) {}

  @Override
  public int size() {
    return order.size();
  }

  @Override
  public String name() {
    return "reference-lru";
  }
}
