package io.corvid.server.replication;

import io.corvid.server.ClientConnection;

/**
 * What {@code WAIT} needs of one connection: for each slot it wrote, the offset of its last write
 * there. An open-addressing map of primitives (no boxing on the write path), attached to the
 * connection on its first replicated write; at most one entry per slot, so at most 16384 entries
 * (about 200 KB) for a connection that wrote every slot. Guarded by the node lock.
 */
final class ClientWrites {
  /** slot + 1 per bucket; 0 = empty. */
  private int[] slots = new int[16];
  private long[] offsets = new long[16];
  private int size;

  static ClientWrites of(ClientConnection c) {
    Object o = c.replicationState();
    if (o instanceof ClientWrites w) {
      return w;
    }
    ClientWrites w = new ClientWrites();
    c.replicationState(w);
    return w;
  }

  static ClientWrites peek(ClientConnection c) {
    return c.replicationState() instanceof ClientWrites w ? w : null;
  }

  void put(int slot, long offset) {
    int mask = slots.length - 1;
    int i = mix(slot) & mask;
    while (slots[i] != 0) {
      if (slots[i] == slot + 1) {
        offsets[i] = offset;
        return;
      }
      i = (i + 1) & mask;
    }
    slots[i] = slot + 1;
    offsets[i] = offset;
    if (++size * 2 > slots.length) {
      grow();
    }
  }

  /** The offset recorded for the slot, or -1. */
  long get(int slot) {
    int mask = slots.length - 1;
    int i = mix(slot) & mask;
    while (slots[i] != 0) {
      if (slots[i] == slot + 1) {
        return offsets[i];
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Iteration: the first used bucket, or -1. */
  int first() {
    return next(-1);
  }

  int next(int bucket) {
    for (int i = bucket + 1; i < slots.length; i++) {
      if (slots[i] != 0) {
        return i;
      }
    }
    return -1;
  }

  int slotAt(int bucket) {
    return slots[bucket] - 1;
  }

  long offsetAt(int bucket) {
    return offsets[bucket];
  }

  ClientWrites copy() {
    ClientWrites c = new ClientWrites();
    c.slots = slots.clone();
    c.offsets = offsets.clone();
    c.size = size;
    return c;
  }

  private void grow() {
    int[] oldSlots = slots;
    long[] oldOffsets = offsets;
    slots = new int[oldSlots.length * 2];
    offsets = new long[oldSlots.length * 2];
    size = 0;
    for (int i = 0; i < oldSlots.length; i++) {
      if (oldSlots[i] != 0) {
        put(oldSlots[i] - 1, oldOffsets[i]);
      }
    }
  }

  private static int mix(int slot) {
    return slot * 0x9E3779B1 >>> 7;
  }
}
