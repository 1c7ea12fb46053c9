package io.corvid.client;

import static io.corvid.client.ConnectionIT.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.client.codec.Codecs;
import io.corvid.server.testing.NodePerClass;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** The near cache against a real Corvid node and its own CLIENT TRACKING (NearCacheIT runs the same against Redis 7). */
class NearCacheCorvidIT {
  @RegisterExtension static final NodePerClass corvid = new NodePerClass();

  private static String address() {
    return corvid.address();
  }

  @Test
  void servesRepeatedReadsLocallyUntilAnotherClientWrites() throws Exception {
    try (CorvidClient client = CorvidClient.connect(address()); Jedis other = new Jedis(corvid.host(), corvid.port())) {
      CorvidCache<String, String> cache =
          client.cache(CacheOptions.of("n1", Codecs.string(), Codecs.string()).nearCache(1000, Duration.ofMinutes(5)));
      other.set("n1:k", "v1");
      assertThat(cache.get("k")).isEqualTo("v1");
      long served = NearCacheIT.commandsServed(other);
      for (int i = 0; i < 100; i++) {
        assertThat(cache.get("k")).isEqualTo("v1");
      }
      assertThat(cache.nearCacheHits()).isEqualTo(100);
      assertThat(NearCacheIT.commandsServed(other) - served).as("no GET reached the server").isLessThanOrEqualTo(2);
      other.set("n1:k", "v2");
      awaitCondition(() -> "v2".equals(cache.get("k")));
      other.del("n1:k");
      awaitCondition(() -> cache.get("k") == null);
      other.set("n1:k", "v3");
      other.flushAll();
      awaitCondition(() -> cache.get("k") == null);
    }
  }

  /**
   * The near cache keys entries by the application's keys; the server's invalidations name stored
   * keys, mapped back through the key codec. byte[] keys count by content; numbers round-trip.
   */
  @Test
  void invalidationsFindEntriesOfByteArrayAndNumericKeys() throws Exception {
    try (CorvidClient client = CorvidClient.connect(address()); Jedis other = new Jedis(corvid.host(), corvid.port())) {
      CorvidCache<byte[], String> bytes =
          client.cache(CacheOptions.of("n2", Codecs.bytes(), Codecs.string()).nearCache(1000, Duration.ofMinutes(5)));
      io.corvid.client.codec.Codec<Long> ids = new io.corvid.client.codec.Codec<>() {
        @Override
        public byte[] encode(Long id) {
          return Long.toString(id).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }

        @Override
        public Long decode(byte[] b) {
          return Long.parseLong(new String(b, java.nio.charset.StandardCharsets.US_ASCII));
        }
      };
      CorvidCache<Long, String> numbers =
          client.cache(CacheOptions.of("n3", ids, Codecs.string()).nearCache(1000, Duration.ofMinutes(5)));
      other.set("n2:k", "b1");
      other.set("n3:42", "n1");
      assertThat(bytes.get("k".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("b1");
      assertThat(numbers.get(42L)).isEqualTo("n1");
      assertThat(bytes.get("k".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("b1");
      assertThat(numbers.get(42L)).isEqualTo("n1");
      assertThat(bytes.nearCacheHits()).isEqualTo(1);
      assertThat(numbers.nearCacheHits()).isEqualTo(1);
      other.set("n2:k", "b2");
      other.set("n3:42", "n2");
      awaitCondition(() -> "b2".equals(bytes.get("k".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
      awaitCondition(() -> "n2".equals(numbers.get(42L)));
    }
  }
}
