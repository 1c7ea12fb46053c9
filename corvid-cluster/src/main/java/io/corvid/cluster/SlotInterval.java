package io.corvid.cluster;

/** Slots {@code start..end}, inclusive: one range of a node in CLUSTER NODES ("0-5460"). */
public record SlotInterval(int start, int end) {
  public SlotInterval {
    if (start < 0 || end < start || end >= io.corvid.common.SlotHash.SLOT_COUNT) {
      throw new IllegalArgumentException("bad slot interval " + start + "-" + end);
    }
  }

  public int size() {
    return end - start + 1;
  }

  @Override
  public String toString() {
    return start == end ? Integer.toString(start) : start + "-" + end;
  }
}
