package io.corvid.jcache;

import java.util.concurrent.atomic.LongAdder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * The statistics of one cache in this JVM (JSR-107 statistics are per cache instance: another
 * process using the same cache on the same server keeps its own). Times are in microseconds, as
 * the MXBean's attribute names say.
 */
public final class CorvidCacheStatistics implements CacheStatisticsMXBean {
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder removals = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder getTimeNanos = new LongAdder();
  private final LongAdder putTimeNanos = new LongAdder();
  private final LongAdder removeTimeNanos = new LongAdder();

  @Override
  public void clear() {
    hits.reset();
    misses.reset();
    puts.reset();
    removals.reset();
    evictions.reset();
    getTimeNanos.reset();
    putTimeNanos.reset();
    removeTimeNanos.reset();
  }

  /** One read (lookup): a hit or a miss, and its time since {@code startNanos}. */
  void read(boolean hit, long startNanos) {
    if (hit) {
      hits.increment();
    } else {
      misses.increment();
    }
    getTimeNanos.add(System.nanoTime() - startNanos);
  }

  /** {@code n} values stored, and the time since {@code startNanos}. */
  void stored(long n, long startNanos) {
    puts.add(n);
    putTimeNanos.add(System.nanoTime() - startNanos);
  }

  /** {@code n} entries removed, and the time since {@code startNanos}. */
  void removed(long n, long startNanos) {
    removals.add(n);
    removeTimeNanos.add(System.nanoTime() - startNanos);
  }

  void hits(long n) {
    hits.add(n);
  }

  void misses(long n) {
    misses.add(n);
  }

  void puts(long n) {
    puts.add(n);
  }

  void removals(long n) {
    removals.add(n);
  }

  void getTime(long nanos) {
    getTimeNanos.add(nanos);
  }

  void putTime(long nanos) {
    putTimeNanos.add(nanos);
  }

  void removeTime(long nanos) {
    removeTimeNanos.add(nanos);
  }

  @Override
  public long getCacheHits() {
    return hits.sum();
  }

  @Override
  public float getCacheHitPercentage() {
    long h = hits.sum();
    long total = h + misses.sum();
    return total == 0 ? 0f : (float) h / total * 100.0f;
  }

  @Override
  public long getCacheMisses() {
    return misses.sum();
  }

  @Override
  public float getCacheMissPercentage() {
    long m = misses.sum();
    long total = m + hits.sum();
    return total == 0 ? 0f : (float) m / total * 100.0f;
  }

  @Override
  public long getCacheGets() {
    return hits.sum() + misses.sum();
  }

  @Override
  public long getCachePuts() {
    return puts.sum();
  }

  @Override
  public long getCacheRemovals() {
    return removals.sum();
  }

  @Override
  public long getCacheEvictions() {
    return evictions.sum();
  }

  @Override
  public float getAverageGetTime() {
    return average(getTimeNanos.sum(), getCacheGets());
  }

  @Override
  public float getAveragePutTime() {
    return average(putTimeNanos.sum(), getCachePuts());
  }

  @Override
  public float getAverageRemoveTime() {
    return average(removeTimeNanos.sum(), getCacheRemovals());
  }

  private static float average(long nanos, long count) {
    return count == 0 ? 0f : (float) nanos / count / 1000f;
  }
}
