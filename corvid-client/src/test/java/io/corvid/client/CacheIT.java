package io.corvid.client;

import static io.corvid.client.ConnectionIT.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.codec.Codecs;
import io.corvid.server.testing.ServerProcess;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The typed cache and cache-aside against a real Corvid node. */
class CacheIT {
  /** The seed's example value: a product from a catalogue. */
  public record Product(long id, String name, BigDecimal price, List<String> tags) {}

  private static ServerProcess corvid;
  private static CorvidClient client;
  private static Jedis jedis;

  @BeforeAll
  static void start() {
    corvid = ServerProcess.start();
    client = CorvidClient.connect(corvid.host() + ":" + corvid.port());
    jedis = new Jedis(corvid.host(), corvid.port());
  }

  @AfterAll
  static void stop() {
    jedis.close();
    client.close();
    corvid.close();
  }

  @BeforeEach
  void flush() {
    jedis.flushAll();
  }

  private static CorvidCache<String, Product> products() {
    return client.cache(CacheOptions.of("products", Codecs.string(), Codecs.json(Product.class)));
  }

  @Test
  void jsonValuesRoundTripAndOtherClientsSeePlainJson() {
    CorvidCache<String, Product> cache = products();
    Product p = new Product(42, "Kettle", new BigDecimal("24.90"), List.of("kitchen", "steel"));
    cache.put("42", p);
    assertThat(cache.get("42")).isEqualTo(p);
    assertThat(jedis.get("products:42")).isEqualTo("{\"id\":42,\"name\":\"Kettle\",\"price\":24.90,\"tags\":[\"kitchen\",\"steel\"]}");
    assertThat(cache.get("43")).isNull();
    assertThat(cache.stats().hits()).isEqualTo(1);
    assertThat(cache.stats().misses()).isEqualTo(1);
  }

  @Test
  void byteAndStringCodecs() {
    CorvidCache<String, byte[]> bytes = client.cache(CacheOptions.of("blobs", Codecs.string(), Codecs.bytes()));
    bytes.put("b", new byte[] {0, (byte) 0xff, 13, 10});
    assertThat(bytes.get("b")).containsExactly(0, 0xff, 13, 10);
    CorvidCache<String, String> strings = client.cache(CacheOptions.of("s", Codecs.string(), Codecs.string()));
    strings.put("k", "h\u00e9llo");
    assertThat(jedis.get("s:k")).isEqualTo("h\u00e9llo");
  }

  @Test
  void putWithTtlAndDefaultTtlWithJitter() {
    CorvidCache<String, String> cache = client.cache(CacheOptions.of("ttl", Codecs.string(), Codecs.string())
        .ttl(Duration.ofSeconds(100)).ttlJitter(0.5));
    cache.put("exact", "v", Duration.ofSeconds(60));
    assertThat(jedis.pttl("ttl:exact")).isBetween(1L, 60_000L);
    Set<Long> ttls = new java.util.HashSet<>();
    for (int i = 0; i < 20; i++) {
      cache.put("j" + i, "v");
      long pttl = jedis.pttl("ttl:j" + i);
      assertThat(pttl).isBetween(90_000L, 150_000L);
      ttls.add(pttl / 1000);
    }
    assertThat(ttls).as("jitter spreads expiry").hasSizeGreaterThan(3);
    CorvidCache<String, String> forever = client.cache(CacheOptions.of("nottl", Codecs.string(), Codecs.string()));
    forever.put("k", "v");
    assertThat(jedis.pttl("nottl:k")).isEqualTo(-1);
  }

  @Test
  void putIfAbsentDeleteExpireIncrement() {
    CorvidCache<String, String> cache = client.cache(CacheOptions.of("c", Codecs.string(), Codecs.string()));
    assertThat(cache.putIfAbsent("k", "first")).isTrue();
    assertThat(cache.putIfAbsent("k", "second")).isFalse();
    assertThat(cache.get("k")).isEqualTo("first");
    assertThat(cache.expire("k", Duration.ofSeconds(30))).isTrue();
    assertThat(jedis.pttl("c:k")).isBetween(1L, 30_000L);
    assertThat(cache.expire("missing", Duration.ofSeconds(30))).isFalse();
    assertThat(cache.delete("k")).isTrue();
    assertThat(cache.delete("k")).isFalse();
    assertThat(cache.increment("n", 5)).isEqualTo(5);
    assertThat(cache.increment("n", -2)).isEqualTo(3);
    assertThat(cache.get("n")).isEqualTo("3");
    cache.put("text", "abc");
    assertThatThrownBy(() -> cache.increment("text", 1)).isInstanceOf(ServerErrorException.class)
        .hasMessage("ERR value is not an integer or out of range");
  }

  @Test
  void getAllKeepsTheCallersOrderAndSkipsMissingKeys() {
    CorvidCache<String, Product> cache = products();
    for (int i = 0; i < 10; i += 2) {
      cache.put(String.valueOf(i), new Product(i, "p" + i, BigDecimal.ONE, List.of()));
    }
    Map<String, Product> got = cache.getAll(List.of("8", "1", "0", "4", "9"));
    assertThat(got.keySet()).containsExactly("8", "0", "4");
    assertThat(got.get("4").name()).isEqualTo("p4");
  }

  @Test
  void hashFields() {
    CorvidCache<String, Product> cache = products();
    Product a = new Product(1, "a", BigDecimal.TEN, List.of());
    Product b = new Product(2, "b", BigDecimal.ONE, List.of("x"));
    assertThat(cache.hset("bundle", "first", a)).isTrue();
    assertThat(cache.hset("bundle", "second", b)).isTrue();
    assertThat(cache.hset("bundle", "second", b)).isFalse();
    assertThat(cache.hget("bundle", "second")).isEqualTo(b);
    assertThat(cache.hget("bundle", "third")).isNull();
    assertThat(cache.hgetall("bundle")).containsExactly(Map.entry("first", a), Map.entry("second", b));
    assertThat(jedis.hget("products:bundle", "first")).startsWith("{\"id\":1");
  }

  @Test
  void publishAndSubscribeOnResp3AndResp2() throws Exception {
    for (boolean resp3 : new boolean[] {true, false}) {
      try (CorvidClient subscriber = CorvidClient.connect(ClientOptions.builder().resp3(resp3).build(), corvid.host() + ":" + corvid.port())) {
        CorvidCache<String, Product> cache = subscriber.cache(CacheOptions.of("products", Codecs.string(), Codecs.json(Product.class)));
        List<Product> received = new CopyOnWriteArrayList<>();
        Subscription s = cache.subscribe("product-updates", received::add);
        Product p = new Product(7, "seven", BigDecimal.ONE, List.of());
        assertThat(products().publish("product-updates", p)).isEqualTo(1);
        awaitCondition(() -> received.size() == 1);
        assertThat(received).containsExactly(p);
        s.close();
        awaitCondition(() -> jedis.publish("product-updates", "{}") == 0);
      }
    }
  }

  @Test
  void getWithLoaderCallsTheLoaderOnceForManyConcurrentMisses() throws Exception {
    CorvidCache<String, Product> cache = products();
    AtomicInteger loads = new AtomicInteger();
    int threads = 32;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Product>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        go.await();
        return cache.get("99", id -> {
          loads.incrementAndGet();
          sleep(300);
          return new Product(99, "loaded", BigDecimal.ONE, List.of());
        });
      }));
    }
    go.countDown();
    for (Future<Product> f : results) {
      assertThat(f.get(60, TimeUnit.SECONDS).name()).isEqualTo("loaded");
    }
    pool.shutdown();
    assertThat(loads.get()).isEqualTo(1);
    assertThat(cache.stats().loads()).isEqualTo(1);
    assertThat(jedis.get("products:99")).contains("loaded");
    assertThat(jedis.exists("products:99:lease")).as("lease released").isFalse();
    // Now a hit: no load.
    assertThat(cache.get("99", id -> { throw new AssertionError("no load on a hit"); }).name()).isEqualTo("loaded");
  }

  @Test
  void invalidateMakesTheNextReadLoadAgain() {
    CorvidCache<String, String> cache = client.cache(CacheOptions.of("inv", Codecs.string(), Codecs.string()).ttl(Duration.ofMinutes(5)));
    AtomicInteger version = new AtomicInteger(1);
    assertThat(cache.get("k", k -> "v" + version.get())).isEqualTo("v1");
    version.set(2); // the database changed ...
    assertThat(cache.get("k", k -> "v" + version.get())).isEqualTo("v1");
    cache.invalidate("k"); // ... and the writer invalidated
    assertThat(cache.get("k", k -> "v" + version.get())).isEqualTo("v2");
    assertThat(jedis.pttl("inv:k")).isBetween(1L, 330_000L);
  }

  @Test
  void negativeCachingRemembersAbsenceOnlyWhenAskedTo() {
    AtomicInteger loads = new AtomicInteger();
    CorvidCache<String, String> plain = client.cache(CacheOptions.of("neg1", Codecs.string(), Codecs.string()));
    assertThat(plain.get("k", k -> { loads.incrementAndGet(); return null; })).isNull();
    assertThat(plain.get("k", k -> { loads.incrementAndGet(); return null; })).isNull();
    assertThat(loads.get()).isEqualTo(2);
    assertThat(jedis.exists("neg1:k")).isFalse();

    loads.set(0);
    CorvidCache<String, String> negative = client.cache(CacheOptions.of("neg2", Codecs.string(), Codecs.string()).negativeTtl(Duration.ofSeconds(30)));
    assertThat(negative.get("k", k -> { loads.incrementAndGet(); return null; })).isNull();
    assertThat(negative.get("k", k -> { loads.incrementAndGet(); return null; })).isNull();
    assertThat(negative.get("k")).isNull();
    assertThat(loads.get()).isEqualTo(1);
    assertThat(jedis.pttl("neg2:k")).isBetween(1L, 30_000L);
  }

  @Test
  void aMissWaitsForTheValueWhileAnotherProcessHoldsTheLease() throws Exception {
    CorvidCache<String, String> cache = client.cache(CacheOptions.of("lease", Codecs.string(), Codecs.string()));
    jedis.psetex("lease:k:lease", 10_000, "another-process");
    Thread filler = new Thread(() -> {
      sleep(500);
      try (Jedis other = new Jedis(corvid.host(), corvid.port())) {
        other.set("lease:k", "from-the-other-process");
      }
    });
    filler.start();
    assertThat(cache.get("k", k -> { throw new AssertionError("the lease holder loads, not us"); }))
        .isEqualTo("from-the-other-process");
    filler.join();
    assertThat(cache.stats().leaseWaits()).isEqualTo(1);
    assertThat(jedis.get("lease:k:lease")).isEqualTo("another-process"); // not ours to release
  }

  @Test
  void aLeaseWhoseHolderDiedExpiresAndTheWaiterLoads() {
    CorvidCache<String, String> cache = client.cache(CacheOptions.of("dead", Codecs.string(), Codecs.string()));
    jedis.psetex("dead:k:lease", 400, "a-process-that-crashed");
    long start = System.nanoTime();
    assertThat(cache.get("k", k -> "loaded-here")).isEqualTo("loaded-here");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
    assertThat(cache.stats().loads()).isEqualTo(1);
  }

  @Test
  void aFailingLoaderFailsEveryWaiterAndReleasesTheLease() throws Exception {
    CorvidCache<String, String> cache = client.cache(CacheOptions.of("fail", Codecs.string(), Codecs.string()));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.add(pool.submit(() -> {
        go.await();
        try {
          cache.get("k", k -> {
            sleep(200);
            throw new IllegalStateException("database down");
          });
        } catch (IllegalStateException e) {
          outcomes.merge(e.getMessage(), 1, Integer::sum);
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : all) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(outcomes).containsEntry("database down", 4);
    assertThat(jedis.exists("fail:k:lease")).isFalse();
    assertThat(cache.get("k", k -> "recovered")).isEqualTo("recovered");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
