package io.corvid.server.replication;

import io.corvid.common.SlotHash;
import java.util.ArrayDeque;

/**
 * The replication backlog: for each slot this node is primary of, the encoded entry frames of its
 * most recent writes, in offset order, so a follower that reconnects (or lags) continues from its
 * offset instead of taking a snapshot. Bounded in total ({@code repl-backlog-size}): when the
 * frames of all slots together exceed the bound, the oldest frames (across all slots, in the order
 * they were appended) go first; frames of a slot that was reset (this node stopped being its
 * primary) count until trimmed, so the bound covers all the memory frames take. A follower whose
 * next offset is no longer held gets a snapshot.
 *
 * <p>Not thread-safe: the node lock guards it.
 */
final class Backlog {
  /** One entry: its slot and frame (the offset is in the frame, and implied by its position). */
  private record Entry(int slot, byte[] frame) {}

  /** A ring of one slot's entries. */
  private static final class Ring {
    Entry[] items = new Entry[4];
    int head;
    int size;
    /** Offset of the entry at head (when size > 0). */
    long first;

    Entry get(int i) {
      return items[(head + i) & (items.length - 1)];
    }

    void add(Entry e) {
      if (size == items.length) {
        Entry[] bigger = new Entry[items.length * 2];
        for (int i = 0; i < size; i++) {
          bigger[i] = get(i);
        }
        items = bigger;
        head = 0;
      }
      items[(head + size) & (items.length - 1)] = e;
      size++;
    }

    Entry peekFirst() {
      return size == 0 ? null : items[head];
    }

    void removeFirst() {
      items[head] = null;
      head = (head + 1) & (items.length - 1);
      size--;
      first++;
    }
  }

  private final Ring[] rings = new Ring[SlotHash.SLOT_COUNT];
  /** Offset of the last entry appended to each slot, -1 before any. */
  private final long[] last = new long[SlotHash.SLOT_COUNT];
  /** Every entry, oldest first, for trimming across slots. */
  private final ArrayDeque<Entry> order = new ArrayDeque<>();
  private long bytes;
  /** Bytes of every frame in {@link #order}, including those of slots reset since (freed when trimmed). */
  private long held;
  private long limit;
  private long trimmed;

  Backlog(long limitBytes) {
    this.limit = limitBytes;
    java.util.Arrays.fill(last, -1);
  }

  void setLimit(long limitBytes) {
    this.limit = limitBytes;
    trim();
  }

  long limit() {
    return limit;
  }

  /** Bytes of frames held. */
  long bytes() {
    return bytes;
  }

  /** Frames held, all slots. */
  int entries() {
    return order.size();
  }

  /** Frames dropped to stay within the limit, since start. */
  long trimmed() {
    return trimmed;
  }

  /** Forgets the slot's entries; the next append to it must have offset {@code offset + 1}. */
  void reset(int slot, long offset) {
    Ring r = rings[slot];
    if (r != null) {
      while (r.size > 0) {
        bytes -= r.peekFirst().frame().length;
        r.removeFirst();
      }
      rings[slot] = null; // stale Entry objects left in 'order' are skipped when trimmed
    }
    last[slot] = offset;
  }

  /** Appends the slot's entry with offset {@link #lastOffset}(slot) + 1. */
  void append(int slot, byte[] frame) {
    Ring r = rings[slot];
    if (r == null) {
      r = rings[slot] = new Ring();
    }
    if (r.size == 0) {
      r.first = last[slot] + 1;
    }
    Entry e = new Entry(slot, frame);
    r.add(e);
    last[slot]++;
    order.addLast(e);
    bytes += frame.length;
    held += frame.length;
    trim();
  }

  long lastOffset(int slot) {
    return last[slot];
  }

  /**
   * Whether a follower that has applied up to {@code offset} can continue from here: every entry
   * after it, up to the last, is held (true as well when it is exactly at the last offset).
   */
  boolean covers(int slot, long offset) {
    if (offset > last[slot] || offset < -1) {
      return false;
    }
    if (offset == last[slot]) {
      return true;
    }
    Ring r = rings[slot];
    return r != null && r.size > 0 && offset >= r.first - 1;
  }

  /** The frame of the slot's entry at {@code offset}, or null when it is not held. */
  byte[] frame(int slot, long offset) {
    Ring r = rings[slot];
    if (r == null || r.size == 0 || offset < r.first || offset > last[slot]) {
      return null;
    }
    return r.get((int) (offset - r.first)).frame();
  }

  private void trim() {
    while (held > limit && !order.isEmpty()) {
      Entry e = order.pollFirst();
      held -= e.frame().length;
      Ring r = rings[e.slot()];
      if (r != null && r.peekFirst() == e) {
        bytes -= e.frame().length;
        r.removeFirst();
        trimmed++;
      }
    }
  }
}
