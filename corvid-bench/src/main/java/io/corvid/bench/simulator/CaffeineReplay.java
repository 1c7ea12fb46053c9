package io.corvid.bench.simulator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The Caffeine library itself (its W-TinyLFU with the adaptive window), driven as Caffeine's
 * own simulator drives it: maintenance on the calling thread ({@code executor(Runnable::run)}),
 * get-then-put on a miss, keys as the trace spells them (the sketch hashes the key), and a final
 * {@code cleanUp()}.
 *
 * <p>Two details move the figures. No {@code initialCapacity} is given: it would size the
 * frequency sketch for the full cache from the first request, where a plain
 * {@code maximumSize(N)} cache grows its sketch as it fills (lirs/gli at 1,000 gives 49.89%
 * with an initial capacity, 41.60% without). And Caffeine admits a candidate no more frequent
 * than its victim with probability 1/128 once its frequency reaches a hash-flooding threshold,
 * through {@code ThreadLocalRandom}, so replays differ by a few tenths of a point on traces
 * such as arc/OLTP: {@link #deterministic()} is false and the simulator reports a median.
 */
public final class CaffeineReplay implements SimulatedPolicy {

  @Override
  public String name() {
    return "Caffeine";
  }

  @Override
  public String origin() {
    return "com.github.ben-manes.caffeine:caffeine " + caffeineVersion()
        + " (the library, Caffeine.newBuilder().maximumSize(N))";
  }

  @Override
  public long hits(Trace trace, long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    Caffeine<Object, Object> builder = Caffeine.newBuilder().executor(Runnable::run);
    Cache<Long, Integer> cache = trace.weighted()
        ? builder.maximumWeight(capacity).<Long, Integer>weigher((key, weight) -> weight).build()
        : builder.maximumSize(capacity).build();
    long hits = 0;
    for (int i = 0, n = trace.requestCount(); i < n; i++) {
      int id = trace.request(i);
      Long key = trace.originalKey(id);
      if (cache.getIfPresent(key) != null) {
        hits++;
      } else {
        cache.put(key, trace.weight(id));
      }
    }
    cache.cleanUp();
    return hits;
  }

  @Override
  public boolean deterministic() {
    return false;
  }

  static String caffeineVersion() {
    String version = Caffeine.class.getPackage().getImplementationVersion();
    return version != null ? version : "(version unknown)";
  }
}
