package io.corvid.storage.policy;

/**
 * A probabilistic multiset of access frequencies for TinyLFU admission: a count-min sketch of
 * 4-bit counters with periodic aging.
 *
 * <h2>Design</h2>
 * The table is an array of {@code long}s, each holding sixteen 4-bit counters. An item's frequency
 * is the minimum of its four counters (depth 4), one in each of four longs chosen by four hash
 * functions; the counter inside a long is chosen by two bits of the spread hash, so the four
 * counters of an item sit in different quarters of their words. Counters saturate at 15: TinyLFU
 * only needs to tell "more popular than the victim", and a small ceiling is what keeps history
 * short ([1] section 3.3).
 *
 * <p>Aging ("reset"): after {@code sampleSize} = 10 x capacity increments every counter is halved
 * (one shift and mask per word), so the sketch reflects recent history and yesterday's hot items
 * fade. The reset plays the role that the doorkeeper plus reset play in the paper: one-hit wonders
 * never climb past 1 before they are halved away.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>every counter is in [0, 15]
 *   <li>{@code frequency(h) >= true count of h since the last reset, halved per reset} minus
 *       saturation (count-min never under-estimates except by saturation and aging)
 *   <li>{@code size < sampleSize} after every call
 * </ul>
 *
 * <p>[1] G. Einziger, R. Friedman, B. Manes. TinyLFU: A Highly Efficient Cache Admission Policy.
 * ACM Transactions on Storage, 2017.
 */
public final class FrequencySketch {
  private static final long[] SEEDS = {
    0xc3a5c85c97cb3127L, 0xb492b66fbe98f273L, 0x9ae16a3b2f90404fL, 0xcbf29ce484222325L};
  private static final long RESET_MASK = 0x7777777777777777L;
  private static final long ONE_MASK = 0x1111111111111111L;
  private static final int MAX_TABLE_LENGTH = 1 << 30;
  /** Increments between agings, per unit of capacity (TinyLFU's W/C ratio). */
  static final int SAMPLE_FACTOR = 10;

  /** Paged, so a large sketch is not one humongous array that a resize leaves behind. */
  private LongArray table = newTable(8);
  private int tableMask = 7;
  private int capacity;
  private long sampleSize = SAMPLE_FACTOR * 8L;
  private long size;

  /** Sizes the sketch for {@code maximumEntries} distinct items; only grows. Growing clears it. */
  public void ensureCapacity(long maximumEntries) {
    int wanted = (int) Math.min(Math.max(maximumEntries, 8), MAX_TABLE_LENGTH);
    if (wanted <= capacity) {
      return;
    }
    capacity = wanted;
    int length = Integer.highestOneBit(wanted - 1) << 1;
    // Grow in place (more pages, old ones zeroed): no old table is left for the GC to hold.
    table.ensureCapacity(length);
    for (int i = 0; i < length; i++) {
      table.set(i, 0L);
    }
    tableMask = length - 1;
    sampleSize = (long) SAMPLE_FACTOR * wanted;
    size = 0;
  }

  public int capacity() {
    return capacity;
  }

  public long sampleSize() {
    return sampleSize;
  }

  /** The estimated frequency of an item, 0..15. */
  public int frequency(long hash) {
    long h = spread(hash);
    int start = (int) (h & 3) << 2;
    int frequency = Integer.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      int index = indexOf(h, i);
      int count = (int) ((table.get(index) >>> ((start + i) << 2)) & 0xfL);
      frequency = Math.min(frequency, count);
    }
    return frequency;
  }

  /** Records one occurrence of an item, aging the whole sketch when the sample is complete. */
  public void increment(long hash) {
    long h = spread(hash);
    int start = (int) (h & 3) << 2;
    boolean added = false;
    for (int i = 0; i < 4; i++) {
      added |= incrementAt(indexOf(h, i), start + i);
    }
    if (added && ++size >= sampleSize) {
      reset();
    }
  }

  private boolean incrementAt(int index, int counter) {
    int shift = counter << 2;
    long mask = 0xfL << shift;
    long word = table.get(index);
    if ((word & mask) != mask) {
      table.set(index, word + (1L << shift));
      return true;
    }
    return false;
  }

  /** Halves every counter; the size shrinks by the counts lost to truncation. */
  void reset() {
    long odd = 0;
    for (int i = 0; i <= tableMask; i++) {
      long word = table.get(i);
      odd += Long.bitCount(word & ONE_MASK);
      table.set(i, (word >>> 1) & RESET_MASK);
    }
    size = (size - (odd >>> 2)) >>> 1;
  }

  private int indexOf(long h, int i) {
    long hash = (h + SEEDS[i]) * SEEDS[i];
    hash += hash >>> 32;
    return (int) hash & tableMask;
  }

  private static LongArray newTable(int length) {
    LongArray t = new LongArray(0);
    t.ensureCapacity(length);
    return t;
  }

  private static long spread(long x) {
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
    return x ^ (x >>> 31);
  }

  public long memoryBytes() {
    return table.memoryBytes();
  }
}
