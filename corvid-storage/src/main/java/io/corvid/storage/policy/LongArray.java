package io.corvid.storage.policy;

/**
 * A growable {@code long} array in pages of {@value #PAGE_SIZE} elements. Growing adds pages and
 * never copies, so a policy's per-node state grows with the keyspace without leaving the old
 * array behind as garbage, and no page is big enough to be a G1 humongous object (whose region
 * rounding and late reclamation would show in RSS). Indexes below {@link #capacity()} are valid;
 * new elements hold the fill value.
 */
public final class LongArray {
  static final int PAGE_SHIFT = 12;
  static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_SIZE - 1;

  private final long fill;
  private long[][] pages = new long[0][];

  public LongArray(long fill) {
    this.fill = fill;
  }

  public long get(int index) {
    return pages[index >>> PAGE_SHIFT][index & PAGE_MASK];
  }

  public void set(int index, long value) {
    pages[index >>> PAGE_SHIFT][index & PAGE_MASK] = value;
  }

  public int capacity() {
    return pages.length << PAGE_SHIFT;
  }

  /** Makes indexes {@code < n} valid. */
  public void ensureCapacity(int n) {
    if (n <= capacity()) {
      return;
    }
    int count = (n + PAGE_MASK) >>> PAGE_SHIFT;
    long[][] grown = java.util.Arrays.copyOf(pages, count);
    for (int i = pages.length; i < count; i++) {
      grown[i] = new long[PAGE_SIZE];
      if (fill != 0) {
        java.util.Arrays.fill(grown[i], fill);
      }
    }
    pages = grown;
  }

  /**
   * Drops the pages above the one holding index {@code n - 1}, so only indexes {@code < n}
   * (rounded up to a page) stay valid. Never copies a page.
   */
  public void truncate(int n) {
    int count = (Math.max(0, n) + PAGE_MASK) >>> PAGE_SHIFT;
    if (count < pages.length) {
      pages = java.util.Arrays.copyOf(pages, count);
    }
  }

  /** Drops every page. */
  public void clear() {
    pages = new long[0][];
  }

  public long memoryBytes() {
    return 16 + 4L * pages.length + pages.length * (16 + (long) 8 * PAGE_SIZE);
  }
}
