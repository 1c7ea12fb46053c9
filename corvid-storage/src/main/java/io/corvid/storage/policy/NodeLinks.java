package io.corvid.storage.policy;

import java.util.Arrays;

/**
 * Doubly linked lists threaded through two {@code int} arrays indexed by node id, so that a policy
 * keeps one or several queues over the same nodes with no object per entry. {@link #NIL} ends a
 * list. A node is in at most one list at a time; the list it is in is the caller's business.
 *
 * <p>Cost: 8 bytes per node of capacity. Not thread-safe.
 */
final class NodeLinks {
  static final int NIL = -1;
  private static final int INITIAL_CAPACITY = 16;

  int[] prev = new int[INITIAL_CAPACITY];
  int[] next = new int[INITIAL_CAPACITY];

  /** Makes node ids {@code < capacity} usable; grows by half again to amortise. */
  void ensureCapacity(int capacity) {
    if (capacity > prev.length) {
      int newLength = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(capacity, prev.length + (prev.length >> 1)));
      prev = Arrays.copyOf(prev, newLength);
      next = Arrays.copyOf(next, newLength);
    }
  }

  int capacity() {
    return prev.length;
  }

  long memoryBytes() {
    return 2L * (16 + 4L * prev.length);
  }

  /** One list: head is the eldest (least recently used), tail the youngest. */
  static final class List {
    private final NodeLinks links;
    int head = NIL;
    int tail = NIL;
    int size;

    List(NodeLinks links) {
      this.links = links;
    }

    boolean isEmpty() {
      return head == NIL;
    }

    void addLast(int node) {
      int[] prev = links.prev;
      int[] next = links.next;
      prev[node] = tail;
      next[node] = NIL;
      if (tail == NIL) {
        head = node;
      } else {
        next[tail] = node;
      }
      tail = node;
      size++;
    }

    void addFirst(int node) {
      int[] prev = links.prev;
      int[] next = links.next;
      prev[node] = NIL;
      next[node] = head;
      if (head == NIL) {
        tail = node;
      } else {
        prev[head] = node;
      }
      head = node;
      size++;
    }

    void remove(int node) {
      int[] prev = links.prev;
      int[] next = links.next;
      int p = prev[node];
      int n = next[node];
      if (p == NIL) {
        head = n;
      } else {
        next[p] = n;
      }
      if (n == NIL) {
        tail = p;
      } else {
        prev[n] = p;
      }
      size--;
    }

    void moveToLast(int node) {
      if (tail != node) {
        remove(node);
        addLast(node);
      }
    }

    int next(int node) {
      return links.next[node];
    }

    /** Appends every node of {@code other} after this list's tail, in order, leaving other empty. */
    void appendAll(List other) {
      if (other.head == NIL) {
        return;
      }
      if (head == NIL) {
        head = other.head;
      } else {
        links.next[tail] = other.head;
        links.prev[other.head] = tail;
      }
      tail = other.tail;
      size += other.size;
      other.head = other.tail = NIL;
      other.size = 0;
    }

    void clear() {
      head = tail = NIL;
      size = 0;
    }
  }
}
