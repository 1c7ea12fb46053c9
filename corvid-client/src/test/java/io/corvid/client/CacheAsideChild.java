package io.corvid.client;

import io.corvid.client.codec.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One of the JVMs of {@link CacheAsideMultiProcessIT}: waits until all {@code processes} are
 * connected (a counter on the server), then misses one key from {@code threads} threads at once.
 * The loader counts its calls with INCR on the server, takes a while (a slow database), and
 * returns a value naming this process. Prints one {@code RESULT value} line per thread.
 */
public final class CacheAsideChild {
  private CacheAsideChild() {}

  public static void main(String[] args) throws Exception {
    String address = args[0];
    String key = args[1];
    int processes = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    try (CorvidClient client = CorvidClient.connect(address)) {
      CorvidCache<String, String> cache = client.cache(CacheOptions.of("stampede", Codecs.string(), Codecs.string())
          .ttl(Duration.ofMinutes(5)));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return cache.get(key, k -> {
            client.sync().incr("stampede-test:loader-calls");
            sleepQuietly(500);
            return "loaded-by-" + ProcessHandle.current().pid();
          });
        }));
      }
      client.sync().incr("stampede-test:ready");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (Long.parseLong(client.sync().get("stampede-test:ready")) < processes) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the other processes never came");
        }
        Thread.sleep(5);
      }
      go.countDown();
      for (Future<String> f : results) {
        System.out.println("RESULT " + f.get(60, TimeUnit.SECONDS));
      }
      System.out.println("STATS loads=" + cache.stats().loads() + " leaseWaits=" + cache.stats().leaseWaits()
          + " coalesced=" + cache.stats().coalesced());
      pool.shutdown();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
