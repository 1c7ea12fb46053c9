package io.corvid.client;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link CorvidCache}; cheap to update from many threads. */
public final class CacheStats {
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder loads = new LongAdder();
  final LongAdder loadFailures = new LongAdder();
  final LongAdder loadNanos = new LongAdder();
  final LongAdder leaseWaits = new LongAdder();
  final LongAdder coalesced = new LongAdder();

  /** Reads that found a value (a negative entry counts as a hit). */
  public long hits() { return hits.sum(); }
  /** Reads that found nothing. */
  public long misses() { return misses.sum(); }
  /** Loader calls made by this process. */
  public long loads() { return loads.sum(); }
  public long loadFailures() { return loadFailures.sum(); }
  /** Total time spent in the loader. */
  public long loadNanos() { return loadNanos.sum(); }
  /** Misses that waited for another process's lease instead of loading. */
  public long leaseWaits() { return leaseWaits.sum(); }
  /** Misses that joined a load already running in this process. */
  public long coalesced() { return coalesced.sum(); }
}
