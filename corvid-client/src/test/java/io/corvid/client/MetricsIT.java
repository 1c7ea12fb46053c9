package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.codec.Codecs;
import io.corvid.client.metrics.CorvidMetrics;
import io.corvid.server.testing.NodePerClass;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every counter CorvidMetrics publishes, driven through a real Corvid node and read back from a
 * Micrometer registry (redirects are counted against a real cluster in CorvidClusterIT).
 */
class MetricsIT {
  @RegisterExtension static final NodePerClass corvid = new NodePerClass();

  private static String address() {
    return corvid.address();
  }

  private static double counter(MeterRegistry registry, String name, String cache) {
    return registry.get(name).tag("cache", cache).functionCounter().count();
  }

  @Test
  void cacheCountersReachMicrometer() {
    try (CorvidClient client = CorvidClient.connect(address())) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CorvidCache<String, String> cache = client.cache(CacheOptions.of("m", Codecs.string(), Codecs.string()));
      CorvidMetrics.bind(client, registry);
      CorvidMetrics.bind(cache, registry);
      cache.get("a", k -> {
        CacheIT.sleep(20);
        return "A";
      });
      cache.get("a", k -> "never");
      cache.get("b");
      assertThat(registry.get("corvid.cache.gets").tag("result", "hit").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("corvid.cache.gets").tag("result", "miss").functionCounter().count()).isEqualTo(2);
      FunctionTimer loads = registry.get("corvid.cache.loads").tag("cache", "m").functionTimer();
      assertThat(loads.count()).isEqualTo(1);
      assertThat(loads.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(20);
      assertThat(counter(registry, "corvid.cache.near.hits", "m")).isZero();
      assertThat(registry.get("corvid.client.redirects").functionCounter().count()).isZero();

      assertThatThrownBy(() -> cache.get("c", k -> {
        throw new IllegalStateException("database down");
      })).hasMessage("database down");
      assertThat(counter(registry, "corvid.cache.load.failures", "m")).isEqualTo(1);
      assertThat(loads.count()).isEqualTo(2);
    }
  }

  @Test
  void nearCacheHitsAreCountedAsHitsAndAsNearHits() throws Exception {
    try (CorvidClient client = CorvidClient.connect(address())) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CorvidCache<String, String> cache =
          client.cache(CacheOptions.of("mn", Codecs.string(), Codecs.string()).nearCache(100, Duration.ofMinutes(5)));
      CorvidMetrics.bind(cache, registry);
      assertThat(cache.get("k", k -> "v")).isEqualTo("v"); // miss, load, stored
      for (int i = 0; i < 10; i++) {
        assertThat(cache.get("k", k -> "never")).isEqualTo("v");
      }
      // The first of those read the server (a hit there) and filled the near cache; 9 stayed local.
      assertThat(counter(registry, "corvid.cache.near.hits", "mn")).isEqualTo(9);
      assertThat(registry.get("corvid.cache.gets").tag("cache", "mn").tag("result", "hit").functionCounter().count()).isEqualTo(10);
      assertThat(registry.get("corvid.cache.gets").tag("cache", "mn").tag("result", "miss").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("corvid.cache.loads").tag("cache", "mn").functionTimer().count()).isEqualTo(1);
    }
  }

  @Test
  void coalescedMissesAndLeaseWaitsAreCounted() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try (CorvidClient one = CorvidClient.connect(address()); CorvidClient other = CorvidClient.connect(address())) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CorvidCache<String, String> cache = one.cache(CacheOptions.of("mc", Codecs.string(), Codecs.string()));
      // Another client stands for another process: it shares only the lease in Corvid.
      CorvidCache<String, String> elsewhere = other.cache(CacheOptions.of("mc", Codecs.string(), Codecs.string()));
      CorvidMetrics.bind(cache, registry);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<String> loader = CompletableFuture.supplyAsync(() -> cache.get("k", k -> {
        await(release);
        return "loaded";
      }), threads);
      ConnectionIT.awaitCondition(() -> cache.stats().loads() == 1);
      CompletableFuture<String> joiner = CompletableFuture.supplyAsync(() -> cache.get("k", k -> "second loader"), threads);
      CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> elsewhere.get("k", k -> "third loader"), threads);
      ConnectionIT.awaitCondition(() -> cache.stats().coalesced() == 1 && elsewhere.stats().leaseWaits() == 1);
      release.countDown();
      assertThat(loader.get(30, TimeUnit.SECONDS)).isEqualTo("loaded");
      assertThat(joiner.get(30, TimeUnit.SECONDS)).isEqualTo("loaded");
      assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo("loaded");
      assertThat(counter(registry, "corvid.cache.coalesced", "mc")).isEqualTo(1);
      assertThat(registry.get("corvid.cache.loads").tag("cache", "mc").functionTimer().count()).isEqualTo(1);
      assertThat(elsewhere.stats().loads()).isZero();
      SimpleMeterRegistry otherRegistry = new SimpleMeterRegistry();
      CorvidMetrics.bind(elsewhere, otherRegistry);
      assertThat(counter(otherRegistry, "corvid.cache.lease.waits", "mc")).isEqualTo(1);
    } finally {
      threads.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
