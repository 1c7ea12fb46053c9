package io.corvid.storage.policy;

/**
 * Doubly linked lists threaded through two {@code int} arrays indexed by node id, so that a policy
 * keeps one or several queues over the same nodes with no object per entry. {@link #NIL} ends a
 * list. A node is in at most one list at a time; the list it is in is the caller's business.
 *
 * <p>Cost: 8 bytes per node of capacity, in pages ({@link IntArray}). Not thread-safe.
 */
final class NodeLinks {
  static final int NIL = -1;
  final IntArray prev = new IntArray(NIL);
  final IntArray next = new IntArray(NIL);

  /** Makes node ids {@code < capacity} usable (adds pages, never copies). */
  void ensureCapacity(int capacity) {
    prev.ensureCapacity(capacity);
    next.ensureCapacity(capacity);
  }

  int capacity() {
    return prev.capacity();
  }

  void truncate(int capacity) {
    prev.truncate(capacity);
    next.truncate(capacity);
  }

  long memoryBytes() {
    return prev.memoryBytes() + next.memoryBytes();
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
      IntArray prev = links.prev;
      IntArray next = links.next;
      prev.set(node, tail);
      next.set(node, NIL);
      if (tail == NIL) {
        head = node;
      } else {
        next.set(tail, node);
      }
      tail = node;
      size++;
    }

    void addFirst(int node) {
      IntArray prev = links.prev;
      IntArray next = links.next;
      prev.set(node, NIL);
      next.set(node, head);
      if (head == NIL) {
        tail = node;
      } else {
        prev.set(head, node);
      }
      head = node;
      size++;
    }

    void remove(int node) {
      IntArray prev = links.prev;
      IntArray next = links.next;
      int p = prev.get(node);
      int n = next.get(node);
      if (p == NIL) {
        head = n;
      } else {
        next.set(p, n);
      }
      if (n == NIL) {
        tail = p;
      } else {
        prev.set(n, p);
      }
      size--;
    }

    /** Renames {@code from} (a node of this list) to {@code to} in place. */
    void relabel(int from, int to) {
      IntArray prev = links.prev;
      IntArray next = links.next;
      int p = prev.get(from);
      int n = next.get(from);
      prev.set(to, p);
      next.set(to, n);
      if (p == NIL) {
        head = to;
      } else {
        next.set(p, to);
      }
      if (n == NIL) {
        tail = to;
      } else {
        prev.set(n, to);
      }
      prev.set(from, NIL);
      next.set(from, NIL);
    }

    void moveToLast(int node) {
      if (tail != node) {
        remove(node);
        addLast(node);
      }
    }

    int next(int node) {
      return links.next.get(node);
    }

    /** Appends every node of {@code other} after this list's tail, in order, leaving other empty. */
    void appendAll(List other) {
      if (other.head == NIL) {
        return;
      }
      if (head == NIL) {
        head = other.head;
      } else {
        links.next.set(tail, other.head);
        links.prev.set(other.head, tail);
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
