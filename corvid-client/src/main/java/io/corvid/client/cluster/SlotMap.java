package io.corvid.client.cluster;

import io.corvid.client.connection.HostAndPort;
import io.corvid.common.SlotHash;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which primary serves each of the 16384 slots, as last read from the cluster (CLUSTER SHARDS or
 * CLUSTER SLOTS) and patched by MOVED replies in between. A slot no shard claims maps to null.
 */
public final class SlotMap {
  private final AtomicReferenceArray<HostAndPort> primaries = new AtomicReferenceArray<>(SlotHash.SLOT_COUNT);

  /** Assigns {@code [from, to]} (inclusive, as CLUSTER SHARDS writes ranges) to {@code primary}. */
  public void assign(int from, int to, HostAndPort primary) {
    if (from < 0 || to >= SlotHash.SLOT_COUNT || from > to) {
      throw new IllegalArgumentException("invalid slot range " + from + "-" + to);
    }
    for (int s = from; s <= to; s++) {
      primaries.set(s, primary);
    }
  }

  /** A MOVED reply: the slot now lives at {@code primary}. */
  public void moved(int slot, HostAndPort primary) {
    primaries.set(slot, primary);
  }

  public HostAndPort primary(int slot) {
    return primaries.get(slot);
  }

  /** Every primary serving at least one slot, in slot order. */
  public List<HostAndPort> nodes() {
    Set<HostAndPort> out = new LinkedHashSet<>();
    for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
      HostAndPort p = primaries.get(s);
      if (p != null) {
        out.add(p);
      }
    }
    return new ArrayList<>(out);
  }

  /** Slots no primary serves (0 when the cluster covers them all). */
  public int uncovered() {
    int n = 0;
    for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
      if (primaries.get(s) == null) {
        n++;
      }
    }
    return n;
  }
}
