package io.corvid.client;

import static io.corvid.client.ConnectionIT.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.codec.Codecs;
import io.corvid.client.testing.RedisProcess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The near cache against real Redis 7 and its CLIENT TRACKING (NearCacheCorvidIT runs the main
 * case against a Corvid node).
 */
class NearCacheIT {
  private static RedisProcess redis;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start();
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static CorvidCache<String, String> nearCache(CorvidClient client, String name, Duration ttl) {
    return client.cache(CacheOptions.of(name, Codecs.string(), Codecs.string()).nearCache(1000, ttl));
  }

  @Test
  void servesRepeatedReadsLocallyUntilAnotherClientWrites() throws Exception {
    try (CorvidClient client = CorvidClient.connect(redis.address()); Jedis other = new Jedis("127.0.0.1", redis.port())) {
      CorvidCache<String, String> cache = nearCache(client, "n1", Duration.ofMinutes(5));
      other.set("n1:k", "v1");
      assertThat(cache.get("k")).isEqualTo("v1");
      long served = commandsServed(other);
      for (int i = 0; i < 100; i++) {
        assertThat(cache.get("k")).isEqualTo("v1");
      }
      assertThat(cache.nearCacheHits()).isEqualTo(100);
      assertThat(commandsServed(other) - served).as("no GET reached the server").isLessThanOrEqualTo(2);
      other.set("n1:k", "v2");
      awaitCondition(() -> "v2".equals(cache.get("k")));
      other.del("n1:k");
      awaitCondition(() -> cache.get("k") == null);
    }
  }

  @Test
  void ourOwnWritesAreSeenAtOnce() {
    try (CorvidClient client = CorvidClient.connect(redis.address())) {
      CorvidCache<String, String> cache = nearCache(client, "n2", Duration.ofMinutes(5));
      cache.put("k", "a");
      assertThat(cache.get("k")).isEqualTo("a");
      cache.put("k", "b");
      assertThat(cache.get("k")).isEqualTo("b");
      cache.invalidate("k");
      assertThat(cache.get("k")).isNull();
      assertThat(cache.get("k", k -> "loaded")).isEqualTo("loaded");
      assertThat(cache.get("k")).isEqualTo("loaded");
    }
  }

  @Test
  void isClearedOnDisconnectAndTrackingResumesAfterReconnect() throws Exception {
    try (CorvidClient client = CorvidClient.connect(redis.address()); Jedis other = new Jedis("127.0.0.1", redis.port())) {
      CorvidCache<String, String> cache = nearCache(client, "n3", Duration.ofMinutes(5));
      other.set("n3:k", "v1");
      cache.get("k");
      assertThat(cache.nearCacheSize()).isEqualTo(1);
      ConnectionIT.connection(client).disconnect();
      awaitCondition(() -> cache.nearCacheSize() == 0);
      awaitCondition(() -> ConnectionIT.connection(client).connectionCount() == 2);
      assertThat(cache.get("k")).isEqualTo("v1");
      assertThat(cache.get("k")).isEqualTo("v1");
      // The new connection asked for tracking again: a write still invalidates.
      other.set("n3:k", "v2");
      awaitCondition(() -> "v2".equals(cache.get("k")));
    }
  }

  @Test
  void flushAllClearsEverything() throws Exception {
    try (CorvidClient client = CorvidClient.connect(redis.address()); Jedis other = new Jedis("127.0.0.1", redis.port())) {
      CorvidCache<String, String> cache = nearCache(client, "n4", Duration.ofMinutes(5));
      for (int i = 0; i < 10; i++) {
        other.set("n4:k" + i, "v");
        cache.get("k" + i);
      }
      assertThat(cache.nearCacheSize()).isEqualTo(10);
      other.flushAll();
      awaitCondition(() -> cache.nearCacheSize() == 0);
    }
  }

  @Test
  void theTtlIsASafetyNet() throws Exception {
    try (CorvidClient client = CorvidClient.connect(redis.address()); Jedis other = new Jedis("127.0.0.1", redis.port())) {
      CorvidCache<String, String> cache = nearCache(client, "n5", Duration.ofMillis(300));
      other.set("n5:k", "v");
      cache.get("k");
      assertThat(cache.nearCacheSize()).isEqualTo(1);
      awaitCondition(() -> cache.nearCacheSize() == 0);
    }
  }

  @Test
  void needsResp3() {
    try (CorvidClient client = CorvidClient.connect(ClientOptions.builder().resp3(false).build(), redis.address())) {
      assertThatThrownBy(() -> nearCache(client, "n6", Duration.ofMinutes(1)))
          .isInstanceOf(CorvidException.class)
          .hasMessageContaining("needs RESP3");
    }
  }

  /**
   * Staleness: from another client's acknowledged write to this near cache dropping the old value,
   * over many writes. Recorded (printed and written to target/near-cache-staleness.txt), not
   * asserted against a speed: this machine is shared. Asserted: every write was invalidated.
   */
  @Test
  void measuresStalenessAfterAWriteByAnotherClient() throws Exception {
    int writes = 1000;
    try (CorvidClient reader = CorvidClient.connect(redis.address()); CorvidClient writer = CorvidClient.connect(redis.address())) {
      CorvidCache<String, String> cache = nearCache(reader, "stale", Duration.ofMinutes(5));
      ByteBuffer watched = ByteBuffer.wrap("stale:k".getBytes(StandardCharsets.UTF_8));
      AtomicLong droppedAt = new AtomicLong();
      CountDownLatch[] dropped = new CountDownLatch[1];
      cache.nearCache().invalidationListener = key -> {
        if (key.equals(watched)) {
          droppedAt.set(System.nanoTime());
          dropped[0].countDown();
        }
      };
      long[] micros = new long[writes];
      writer.sync().set("stale:k", "v0");
      for (int i = 0; i < writes; i++) {
        cache.get("k");
        assertThat(cache.nearCacheSize()).isEqualTo(1);
        dropped[0] = new CountDownLatch(1);
        writer.sync().set("stale:k", "v" + (i + 1));
        long acked = System.nanoTime();
        assertThat(dropped[0].await(10, TimeUnit.SECONDS)).as("write %d invalidated", i).isTrue();
        micros[i] = Math.max(0, TimeUnit.NANOSECONDS.toMicros(droppedAt.get() - acked));
      }
      Arrays.sort(micros);
      String line = String.format("near-cache staleness over %d writes (redis-server %s, loopback): p50 %d us, p99 %d us, max %d us%n",
          writes, "7.0.15", micros[writes / 2], micros[writes * 99 / 100], micros[writes - 1]);
      System.out.print(line);
      Files.writeString(Path.of("target", "near-cache-staleness.txt"), line);
    }
  }

  static long commandsServed(Jedis jedis) {
    for (String line : jedis.info("stats").split("\r\n")) {
      if (line.startsWith("total_commands_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1)) ;
      }
    }
    throw new AssertionError("no total_commands_processed");
  }
}
