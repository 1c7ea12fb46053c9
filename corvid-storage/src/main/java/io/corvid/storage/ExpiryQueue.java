package io.corvid.storage;

import io.corvid.storage.policy.IntArray;
import io.corvid.storage.policy.LongArray;

/**
 * The expiry times of volatile keys, as an indexed 4-ary min-heap ordered by time: the soonest
 * expiry is at the root, so the active expire cycle removes keys exactly in expiry order, with
 * O(log n) per key, and volatile-ttl finds its victim in O(1).
 *
 * <h2>Why a heap rather than Redis's sampling or a timer wheel</h2>
 * Redis samples 20 random volatile keys per loop and repeats while more than 10% were expired;
 * with a million keys expiring together that is correct but needs many loops. Caffeine's
 * hierarchical timer wheel is O(1) per key but orders only to the resolution of its buckets.
 * The heap gives an exact order, bounded work per call ({@code maxKeys} pops) and the soonest key
 * for volatile-ttl, for 16 bytes per volatile key (time 8, node 4, position 4).
 *
 * <h2>Layout</h2>
 * {@code times[i]} and {@code nodes[i]} are the heap (parallel arrays, so sifting compares
 * without indirection); {@code position[node]} is the heap index of a node or -1. All three are
 * paged arrays ({@link IntArray}, {@link LongArray}) that get their first page when the first
 * volatile key appears, so a keyspace without TTLs pays nothing and growth never copies.
 *
 * <h2>Invariants</h2>
 * {@code times[(i - 1) / 4] <= times[i]}; {@code position[nodes[i]] == i} for i < size. Four
 * children per node halve the depth of a binary heap, and the four sit in one or two cache lines:
 * with a million keys a pop touches about 10 levels instead of 20.
 */
final class ExpiryQueue {
  /**
   * The heap arrays shrink (to twice the size, in whole pages) when under a quarter full and
   * larger than this many slots, so a mass expiry gives the memory back.
   */
  static final int MIN_SHRINK_CAPACITY = 4 * 4096;

  private final LongArray times = new LongArray(0);
  private final IntArray nodes = new IntArray(0);
  private final IntArray position = new IntArray(-1);
  private int size;

  int size() {
    return size;
  }

  /** Expiry of a node, or {@link Keyspace#NO_EXPIRY}. */
  long expireAt(int node) {
    if (node >= position.capacity()) {
      return Keyspace.NO_EXPIRY;
    }
    int at = position.get(node);
    return at < 0 ? Keyspace.NO_EXPIRY : times.get(at);
  }

  boolean contains(int node) {
    return node < position.capacity() && position.get(node) >= 0;
  }

  /** Adds or moves a node. */
  void set(int node, long expireAtMillis) {
    ensureNodeCapacity(node + 1);
    int at = position.get(node);
    if (at >= 0) {
      long old = times.get(at);
      times.set(at, expireAtMillis);
      if (expireAtMillis < old) {
        siftUp(at);
      } else {
        siftDown(at);
      }
      return;
    }
    times.ensureCapacity(size + 1);
    nodes.ensureCapacity(size + 1);
    times.set(size, expireAtMillis);
    nodes.set(size, node);
    position.set(node, size);
    siftUp(size++);
  }

  /** Removes a node if present; returns whether it was. */
  boolean remove(int node) {
    if (node >= position.capacity()) {
      return false;
    }
    int at = position.get(node);
    if (at < 0) {
      return false;
    }
    position.set(node, -1);
    int last = --size;
    if (at != last) {
      times.set(at, times.get(last));
      nodes.set(at, nodes.get(last));
      position.set(nodes.get(at), at);
      siftDown(at);
      siftUp(at);
    }
    if (times.capacity() > MIN_SHRINK_CAPACITY && size < times.capacity() / 4) {
      // Half full after shrinking, so a heap that grows again does not shrink back at once.
      times.truncate(2 * size);
      nodes.truncate(2 * size);
    }
    return true;
  }

  /** Renames a node in the heap (node-id compaction); {@code to} is not in the heap. */
  void relabel(int from, int to) {
    if (from >= position.capacity()) {
      return;
    }
    int at = position.get(from);
    if (at < 0) {
      return;
    }
    nodes.set(at, to);
    position.set(to, at);
    position.set(from, -1);
  }

  /** Drops per-node positions for ids {@code >= capacity}, none of them in the heap. */
  void truncateNodeCapacity(int capacity) {
    position.truncate(capacity);
  }

  /** The node expiring soonest, or 0 when empty. */
  int peekNode() {
    return size == 0 ? 0 : nodes.get(0);
  }

  long peekTime() {
    return size == 0 ? Long.MAX_VALUE : times.get(0);
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      position.set(nodes.get(i), -1);
    }
    size = 0;
  }

  /** Drops all arrays (after flushall); the next volatile key starts them again. */
  void release() {
    times.clear();
    nodes.clear();
    position.clear();
    size = 0;
  }

  void ensureNodeCapacity(int capacity) {
    position.ensureCapacity(capacity);
  }

  long memoryBytes() {
    if (position.capacity() == 0 && times.capacity() == 0) {
      return 0;
    }
    return times.memoryBytes() + nodes.memoryBytes() + position.memoryBytes();
  }

  private void siftUp(int i) {
    long time = times.get(i);
    int node = nodes.get(i);
    while (i > 0) {
      int parent = (i - 1) >>> 2;
      long parentTime = times.get(parent);
      if (parentTime <= time) {
        break;
      }
      int parentNode = nodes.get(parent);
      times.set(i, parentTime);
      nodes.set(i, parentNode);
      position.set(parentNode, i);
      i = parent;
    }
    times.set(i, time);
    nodes.set(i, node);
    position.set(node, i);
  }

  private void siftDown(int i) {
    long time = times.get(i);
    int node = nodes.get(i);
    while (true) {
      int first = 4 * i + 1;
      if (first >= size) {
        break;
      }
      int child = first;
      long childTime = times.get(first);
      int end = Math.min(first + 4, size);
      for (int c = first + 1; c < end; c++) {
        long t = times.get(c);
        if (t < childTime) {
          child = c;
          childTime = t;
        }
      }
      if (time <= childTime) {
        break;
      }
      int childNode = nodes.get(child);
      times.set(i, childTime);
      nodes.set(i, childNode);
      position.set(childNode, i);
      i = child;
    }
    times.set(i, time);
    nodes.set(i, node);
    position.set(node, i);
  }

  /** Checks the heap invariants (tests). */
  void checkInvariants() {
    for (int i = 0; i < size; i++) {
      int node = nodes.get(i);
      if (position.get(node) != i) {
        throw new IllegalStateException("position of node " + node + " is " + position.get(node) + ", not " + i);
      }
      if (i > 0 && times.get((i - 1) >>> 2) > times.get(i)) {
        throw new IllegalStateException("heap order broken at " + i);
      }
    }
  }
}
