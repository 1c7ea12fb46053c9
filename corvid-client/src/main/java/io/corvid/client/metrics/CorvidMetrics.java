package io.corvid.client.metrics;

import io.corvid.client.CacheStats;
import io.corvid.client.CorvidCache;
import io.corvid.client.CorvidClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the client's counters through Micrometer (an optional dependency: this class is the
 * only one that touches it). Meters read the live counters; binding costs nothing per operation.
 *
 * <ul>
 *   <li>{@code corvid.client.redirects}, {@code corvid.client.topology.refreshes}
 *   <li>per cache (tag {@code cache}): {@code corvid.cache.gets} (tag {@code result=hit|miss}),
 *       {@code corvid.cache.near.hits}, {@code corvid.cache.loads} (a timer: count and total load
 *       time), {@code corvid.cache.load.failures}, {@code corvid.cache.lease.waits},
 *       {@code corvid.cache.coalesced}
 * </ul>
 */
public final class CorvidMetrics {
  private CorvidMetrics() {}

  public static void bind(CorvidClient client, MeterRegistry registry) {
    FunctionCounter.builder("corvid.client.redirects", client, c -> c.router().redirects())
        .description("MOVED and ASK redirects followed").register(registry);
    FunctionCounter.builder("corvid.client.topology.refreshes", client, c -> c.router().refreshes())
        .description("cluster topology refreshes completed").register(registry);
  }

  public static void bind(CorvidCache<?, ?> cache, MeterRegistry registry) {
    CacheStats s = cache.stats();
    String name = cache.name();
    FunctionCounter.builder("corvid.cache.gets", s, CacheStats::hits).tag("cache", name).tag("result", "hit").register(registry);
    FunctionCounter.builder("corvid.cache.gets", s, CacheStats::misses).tag("cache", name).tag("result", "miss").register(registry);
    FunctionCounter.builder("corvid.cache.near.hits", cache, CorvidCache::nearCacheHits).tag("cache", name).register(registry);
    FunctionTimer.builder("corvid.cache.loads", s, CacheStats::loads, CacheStats::loadNanos, TimeUnit.NANOSECONDS)
        .tag("cache", name).description("loader calls and time spent in them").register(registry);
    FunctionCounter.builder("corvid.cache.load.failures", s, CacheStats::loadFailures).tag("cache", name).register(registry);
    FunctionCounter.builder("corvid.cache.lease.waits", s, CacheStats::leaseWaits).tag("cache", name).register(registry);
    FunctionCounter.builder("corvid.cache.coalesced", s, CacheStats::coalesced).tag("cache", name).register(registry);
  }
}
