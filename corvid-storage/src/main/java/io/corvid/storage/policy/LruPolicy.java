package io.corvid.storage.policy;

/**
 * Exact least-recently-used replacement.
 *
 * <h2>Design</h2>
 * One doubly linked list over node ids, threaded through two {@code int} arrays ({@link NodeLinks}):
 * the head is the least recently used node, the tail the most recently used. Insert and access
 * move a node to the tail in O(1); the victim is the head. Unlike Redis's sampled approximation
 * (which picks the idlest of {@code maxmemory-samples} random keys), the order is exact.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code size() == number of nodes inserted and not yet removed}
 *   <li>for consecutive nodes a, b in the list: a was last touched before b
 *   <li>{@code victim()} is the node whose last insert/access/update is the oldest
 * </ul>
 *
 * <h2>Cost</h2>
 * 8 bytes per node of capacity (prev and next). Weights are ignored: LRU orders by recency only,
 * and the caller decides how many victims to take by its own budget.
 */
public final class LruPolicy implements ReplacementPolicy {
  private final NodeLinks links = new NodeLinks();
  private final NodeLinks.List list = new NodeLinks.List(links);

  @Override
  public void onInsert(int node, long keyHash, long weight) {
    links.ensureCapacity(node + 1);
    list.addLast(node);
  }

  @Override
  public void onAccess(int node, long keyHash) {
    list.moveToLast(node);
  }

  @Override
  public void onUpdate(int node, long keyHash, long newWeight) {
    list.moveToLast(node);
  }

  @Override
  public void onRemove(int node) {
    list.remove(node);
  }

  @Override
  public int victim() {
    return list.head;
  }

  @Override
  public void setMaximum(long maximum) {}

  @Override
  public int size() {
    return list.size;
  }

  @Override
  public String name() {
    return "lru";
  }

  @Override
  public void ensureCapacity(int nodes) {
    links.ensureCapacity(nodes);
  }

  @Override
  public void relabel(int from, int to) {
    list.relabel(from, to);
  }

  @Override
  public void truncateCapacity(int nodes) {
    links.truncate(nodes);
  }

  @Override
  public long memoryBytes() {
    return links.memoryBytes();
  }

  /** Nodes from least to most recently used (for tests and debugging; allocates). */
  public int[] order() {
    int[] out = new int[list.size];
    int i = 0;
    for (int n = list.head; n != NodeLinks.NIL; n = list.next(n)) {
      out[i++] = n;
    }
    return out;
  }
}
