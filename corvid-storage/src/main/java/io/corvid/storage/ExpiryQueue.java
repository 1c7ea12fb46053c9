package io.corvid.storage;

import java.util.Arrays;

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
 * without indirection); {@code position[node]} is the heap index of a node or -1. The position
 * array is created lazily when the first volatile key appears, so a keyspace without TTLs pays
 * nothing.
 *
 * <h2>Invariants</h2>
 * {@code times[(i - 1) / 4] <= times[i]}; {@code position[nodes[i]] == i} for i < size. Four
 * children per node halve the depth of a binary heap, and the four sit in one or two cache lines:
 * with a million keys a pop touches about 10 levels instead of 20.
 */
final class ExpiryQueue {
  private static final int INITIAL_CAPACITY = 16;

  private long[] times = new long[0];
  private int[] nodes = new int[0];
  private int[] position = new int[0];
  private int size;

  int size() {
    return size;
  }

  /** Expiry of a node, or {@link Keyspace#NO_EXPIRY}. */
  long expireAt(int node) {
    if (node >= position.length) {
      return Keyspace.NO_EXPIRY;
    }
    int at = position[node];
    return at < 0 ? Keyspace.NO_EXPIRY : times[at];
  }

  boolean contains(int node) {
    return node < position.length && position[node] >= 0;
  }

  /** Adds or moves a node. */
  void set(int node, long expireAtMillis) {
    ensureNodeCapacity(node + 1);
    int at = position[node];
    if (at >= 0) {
      long old = times[at];
      times[at] = expireAtMillis;
      if (expireAtMillis < old) {
        siftUp(at);
      } else {
        siftDown(at);
      }
      return;
    }
    if (size == times.length) {
      int length = Math.max(INITIAL_CAPACITY, size + (size >> 1));
      times = Arrays.copyOf(times, length);
      nodes = Arrays.copyOf(nodes, length);
    }
    times[size] = expireAtMillis;
    nodes[size] = node;
    position[node] = size;
    siftUp(size++);
  }

  /** Removes a node if present; returns whether it was. */
  boolean remove(int node) {
    if (node >= position.length) {
      return false;
    }
    int at = position[node];
    if (at < 0) {
      return false;
    }
    position[node] = -1;
    int last = --size;
    if (at != last) {
      times[at] = times[last];
      nodes[at] = nodes[last];
      position[nodes[at]] = at;
      siftDown(at);
      siftUp(at);
    }
    return true;
  }

  /** The node expiring soonest, or 0 when empty. */
  int peekNode() {
    return size == 0 ? 0 : nodes[0];
  }

  long peekTime() {
    return size == 0 ? Long.MAX_VALUE : times[0];
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      position[nodes[i]] = -1;
    }
    size = 0;
  }

  /** Drops all arrays (after flushall); the next volatile key starts them again. */
  void release() {
    times = new long[0];
    nodes = new int[0];
    position = new int[0];
    size = 0;
  }

  void ensureNodeCapacity(int capacity) {
    if (capacity > position.length) {
      int old = position.length;
      position = Arrays.copyOf(position, Math.max(capacity, Math.max(INITIAL_CAPACITY, old + (old >> 1))));
      Arrays.fill(position, old, position.length, -1);
    }
  }

  long memoryBytes() {
    if (position.length == 0 && times.length == 0) {
      return 0;
    }
    return 48 + 8L * times.length + 4L * nodes.length + 4L * position.length;
  }

  private void siftUp(int i) {
    long time = times[i];
    int node = nodes[i];
    while (i > 0) {
      int parent = (i - 1) >>> 2;
      if (times[parent] <= time) {
        break;
      }
      times[i] = times[parent];
      nodes[i] = nodes[parent];
      position[nodes[i]] = i;
      i = parent;
    }
    times[i] = time;
    nodes[i] = node;
    position[node] = i;
  }

  private void siftDown(int i) {
    long time = times[i];
    int node = nodes[i];
    while (true) {
      int first = 4 * i + 1;
      if (first >= size) {
        break;
      }
      int child = first;
      int end = Math.min(first + 4, size);
      for (int c = first + 1; c < end; c++) {
        if (times[c] < times[child]) {
          child = c;
        }
      }
      if (time <= times[child]) {
        break;
      }
      times[i] = times[child];
      nodes[i] = nodes[child];
      position[nodes[i]] = i;
      i = child;
    }
    times[i] = time;
    nodes[i] = node;
    position[node] = i;
  }

  /** Checks the heap invariants (tests). */
  void checkInvariants() {
    for (int i = 0; i < size; i++) {
      if (position[nodes[i]] != i) {
        throw new IllegalStateException("position of node " + nodes[i] + " is " + position[nodes[i]] + ", not " + i);
      }
      if (i > 0 && times[(i - 1) >>> 2] > times[i]) {
        throw new IllegalStateException("heap order broken at " + i);
      }
    }
  }
}
