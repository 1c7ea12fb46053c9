package io.corvid.bench.simulator;

/** Something that can replay a trace at a capacity and count hits: a column of the table. */
public interface SimulatedPolicy {

  /** Column header, e.g. {@code LRU} or {@code Caffeine}. */
  String name();

  /** Where the code comes from, for the legend under the table. */
  String origin();

  /**
   * Replays every request of {@code trace} through a fresh, empty cache bounded by
   * {@code capacity} (entries, or total weight for a weighted trace) and returns the hits.
   */
  long hits(Trace trace, long capacity);

  /**
   * False when two replays of the same trace may differ (Caffeine admits a small random share
   * of candidates to resist hash flooding); the simulator then reports the median of
   * {@code --repeat} replays.
   */
  default boolean deterministic() {
    return true;
  }

  /** The median hits of {@code repeat} replays (one replay when deterministic). */
  default long medianHits(Trace trace, long capacity, int repeat) {
    if (deterministic() || repeat <= 1) {
      return hits(trace, capacity);
    }
    long[] runs = new long[repeat];
    for (int r = 0; r < repeat; r++) {
      runs[r] = hits(trace, capacity);
    }
    java.util.Arrays.sort(runs);
    return runs[repeat / 2];
  }
}
