package io.corvid.bench.simulator;

import java.util.Arrays;

/**
 * Belady's clairvoyant policy (OPT/MIN): on a miss the key is stored and, while over capacity,
 * the cached key whose next use is furthest away leaves, which may be the key just stored
 * (OPT never keeps what it will not reuse in time). This is the upper bound for entry-count
 * caches. For a weighted trace it is the classic heuristic extension (evict furthest next use
 * until the weight fits), not the NP-hard weighted optimum.
 *
 * <p>Next uses come from one backward pass; the cached keys sit in an indexed binary max-heap
 * by next use, so every request costs O(log capacity).
 */
public final class OptimalReplay implements SimulatedPolicy {

  @Override
  public String name() {
    return "OPT";
  }

  @Override
  public String origin() {
    return "Belady's OPT (clairvoyant upper bound), io.corvid.bench.simulator.OptimalReplay";
  }

  /** For each request, the index of the next request of the same key, or requestCount. */
  static int[] nextUses(Trace trace) {
    int n = trace.requestCount();
    int[] next = new int[n];
    int[] seen = new int[trace.distinctKeys()];
    Arrays.fill(seen, n);
    for (int i = n - 1; i >= 0; i--) {
      int key = trace.request(i);
      next[i] = seen[key];
      seen[key] = i;
    }
    return next;
  }

  @Override
  public long hits(Trace trace, long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    int[] next = nextUses(trace);
    MaxHeap heap = new MaxHeap(trace.distinctKeys());
    long weight = 0;
    long hits = 0;
    for (int i = 0, n = trace.requestCount(); i < n; i++) {
      int key = trace.request(i);
      if (heap.contains(key)) {
        hits++;
        heap.increase(key, next[i]);
        continue;
      }
      heap.add(key, next[i]);
      weight += trace.weight(key);
      while (weight > capacity) {
        weight -= trace.weight(heap.removeMax());
      }
    }
    return hits;
  }

  /** Binary max-heap of key ids by priority, with each key's position for in-place updates. */
  static final class MaxHeap {
    private final int[] heap;
    private final int[] position;
    private final int[] priority;
    private int size;

    MaxHeap(int keys) {
      heap = new int[keys];
      position = new int[keys];
      priority = new int[keys];
      Arrays.fill(position, -1);
    }

    int size() {
      return size;
    }

    boolean contains(int key) {
      return position[key] >= 0;
    }

    void add(int key, int prio) {
      priority[key] = prio;
      heap[size] = key;
      position[key] = size;
      siftUp(size++);
    }

    /** Raises a key's priority (its next use only moves later). */
    void increase(int key, int prio) {
      if (prio < priority[key]) {
        throw new IllegalArgumentException("priority may only increase");
      }
      priority[key] = prio;
      siftUp(position[key]);
    }

    int removeMax() {
      int top = heap[0];
      position[top] = -1;
      if (--size > 0) {
        heap[0] = heap[size];
        position[heap[0]] = 0;
        siftDown(0);
      }
      return top;
    }

    private void siftUp(int i) {
      int key = heap[i];
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (priority[heap[parent]] >= priority[key]) {
          break;
        }
        move(heap[parent], i);
        i = parent;
      }
      move(key, i);
    }

    private void siftDown(int i) {
      int key = heap[i];
      while (true) {
        int child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && priority[heap[child + 1]] > priority[heap[child]]) {
          child++;
        }
        if (priority[heap[child]] <= priority[key]) {
          break;
        }
        move(heap[child], i);
        i = child;
      }
      move(key, i);
    }

    private void move(int key, int i) {
      heap[i] = key;
      position[key] = i;
    }
  }
}
