package io.corvid.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conditional operations are atomic across clients, not only among the threads of one cache
 * instance: two providers (two CorvidClients, two sets of connections, two sets of key locks, as
 * two processes would have) share one cache on one real node and race on the same keys.
 */
class ConcurrentClientsIT {
  static final int THREADS_PER_CLIENT = 4;
  static final int INCREMENTS_PER_THREAD = 50;

  private final List<CorvidCachingProvider> providers = new ArrayList<>();
  private final List<Cache<String, Integer>> caches = new ArrayList<>();
  private ExecutorService pool;

  @BeforeEach
  void twoClients() {
    ServerProcess server = CorvidServerForTests.server();
    URI uri = URI.create("corvid://" + server.host() + ":" + server.port());
    for (int i = 0; i < 2; i++) {
      CorvidCachingProvider p = new CorvidCachingProvider();
      providers.add(p);
      CacheManager m = p.getCacheManager(uri, p.getDefaultClassLoader());
      caches.add(m.createCache("shared-counters", new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class)));
    }
    caches.get(0).clear();
    pool = Executors.newFixedThreadPool(2 * THREADS_PER_CLIENT);
  }

  @AfterEach
  void close() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(30, TimeUnit.SECONDS);
    caches.get(0).clear();
    for (CorvidCachingProvider p : providers) {
      p.close();
    }
  }

  private int runOnBothClients(java.util.function.Function<Cache<String, Integer>, Integer> work) throws Exception {
    List<Future<Integer>> futures = new ArrayList<>();
    for (int t = 0; t < 2 * THREADS_PER_CLIENT; t++) {
      Cache<String, Integer> cache = caches.get(t % 2);
      futures.add(pool.submit((Callable<Integer>) () -> work.apply(cache)));
    }
    int sum = 0;
    for (Future<Integer> f : futures) {
      sum += f.get(120, TimeUnit.SECONDS);
    }
    return sum;
  }

  @Test
  void entryProcessorIncrementsLoseNoUpdate() throws Exception {
    runOnBothClients(cache -> {
      for (int i = 0; i < INCREMENTS_PER_THREAD; i++) {
        cache.invoke("counter", (entry, args) -> {
          entry.setValue(entry.exists() ? entry.getValue() + 1 : 1);
          return null;
        });
      }
      return 0;
    });
    assertThat(caches.get(1).get("counter")).isEqualTo(2 * THREADS_PER_CLIENT * INCREMENTS_PER_THREAD);
  }

  @Test
  void compareAndSetIncrementsLoseNoUpdate() throws Exception {
    caches.get(0).put("cas", 0);
    int retries = runOnBothClients(cache -> {
      int failed = 0;
      for (int i = 0; i < INCREMENTS_PER_THREAD; i++) {
        while (true) {
          Integer v = cache.get("cas");
          if (cache.replace("cas", v, v + 1)) {
            break;
          }
          failed++;
        }
      }
      return failed;
    });
    assertThat(caches.get(0).get("cas")).isEqualTo(2 * THREADS_PER_CLIENT * INCREMENTS_PER_THREAD);
    // the race was real: some replace(k, old, new) saw another client's write and said no
    assertThat(retries).isPositive();
  }

  @Test
  void exactlyOnePutIfAbsentWins() throws Exception {
    for (int round = 0; round < 20; round++) {
      String key = "once-" + round;
      int winners = runOnBothClients(cache -> cache.putIfAbsent(key, (int) Thread.currentThread().getId()) ? 1 : 0);
      assertThat(winners).as("round %d", round).isEqualTo(1);
    }
  }
}
