package io.corvid.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.csc.DefaultCache;

/**
 * CLIENT TRACKING driven by real client libraries: Lettuce's RESP3 push listener and its
 * ClientSideCaching near cache, and Jedis 5.2's client-side cache (RESP3).
 */
class TrackingClientsIT {
  static final long WAIT_MILLIS = 10_000;
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String decode(Object o) {
    return StringCodec.UTF8.decodeValue(((ByteBuffer) o).duplicate());
  }

  @Test
  void lettucePushListenerReceivesInvalidations() throws Exception {
    RedisClient client = Clients.lettuce(server, ProtocolVersion.RESP3);
    try (StatefulRedisConnection<String, String> tracking = client.connect();
        StatefulRedisConnection<String, String> writer = client.connect()) {
      BlockingQueue<PushMessage> pushes = new LinkedBlockingQueue<>();
      tracking.addListener(pushes::add);
      assertThat(tracking.sync().clientTracking(TrackingArgs.Builder.enabled())).isEqualTo("OK");
      assertThat(tracking.sync().get("lt:k")).isNull();
      writer.sync().set("lt:k", "v");
      PushMessage m = pushes.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(m).as("invalidate push").isNotNull();
      assertThat(m.getType()).isEqualTo("invalidate");
      List<Object> content = m.getContent();
      assertThat(decode(content.get(0))).isEqualTo("invalidate");
      assertThat(((List<?>) content.get(1)).stream().map(TrackingClientsIT::decode)).containsExactly("lt:k");

      // BCAST with a prefix: keys under it, batched per write, none outside it
      tracking.sync().clientTracking(TrackingArgs.Builder.enabled(false));
      tracking.sync().clientTracking(TrackingArgs.Builder.enabled().bcast().prefixes("lt:p:"));
      writer.sync().mset(Map.of("lt:p:1", "a", "lt:q:1", "b"));
      m = pushes.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(m).isNotNull();
      assertThat(((List<?>) m.getContent().get(1)).stream().map(TrackingClientsIT::decode)).containsExactly("lt:p:1");
      writer.sync().flushall();
      m = pushes.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(m).isNotNull();
      assertThat(m.getType()).isEqualTo("invalidate");
      assertThat(m.getContent().get(1)).isNull();
      assertThat(pushes.poll(200, TimeUnit.MILLISECONDS)).as("nothing else").isNull();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void lettuceNearCacheDropsAValueAnotherClientChanged() throws Exception {
    RedisClient client = Clients.lettuce(server, ProtocolVersion.RESP3);
    try (StatefulRedisConnection<String, String> tracking = client.connect();
        StatefulRedisConnection<String, String> writer = client.connect()) {
      Map<String, String> near = new ConcurrentHashMap<>();
      CacheFrontend<String, String> cache = ClientSideCaching.enable(CacheAccessor.forMap(near), tracking,
          TrackingArgs.Builder.enabled());
      writer.sync().set("ln:k", "v1");
      assertThat(cache.get("ln:k")).isEqualTo("v1");
      assertThat(near).containsEntry("ln:k", "v1");
      writer.sync().set("ln:k", "v2");
      long deadline = System.currentTimeMillis() + WAIT_MILLIS;
      while (near.containsKey("ln:k")) {
        assertThat(System.currentTimeMillis()).as("near cache entry dropped").isLessThan(deadline);
        Thread.sleep(5);
      }
      assertThat(cache.get("ln:k")).isEqualTo("v2");
      assertThat(near).containsEntry("ln:k", "v2");
      cache.close();
    } finally {
      client.shutdown();
    }
  }

  /** Jedis refuses client-side caching below "Redis 7.4" unless the cache is in compatibility mode. */
  static final class CompatibleCache extends DefaultCache {
    CompatibleCache(int maxSize) {
      super(maxSize);
    }

    @Override
    public boolean compatibilityMode() {
      return true;
    }
  }

  @Test
  void jedisClientSideCacheIsInvalidatedByAnotherClientsWrite() {
    CompatibleCache cache = new CompatibleCache(1000);
    try (JedisPooled cached = new JedisPooled(new HostAndPort(server.host(), server.port()),
            DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).timeoutMillis(10_000).build(), cache);
        Jedis writer = Clients.jedis(server, RedisProtocol.RESP2)) {
      writer.set("jc:k", "v1");
      assertThat(cached.get("jc:k")).isEqualTo("v1");
      assertThat(cached.get("jc:k")).isEqualTo("v1");
      assertThat(cache.getSize()).isEqualTo(1);
      assertThat(cache.getStats().getHitCount()).isEqualTo(1);
      writer.set("jc:k", "v2");
      // Jedis reads the pending invalidation before its next command on the connection
      assertThat(cached.get("jc:k")).isEqualTo("v2");
      assertThat(cache.getStats().getInvalidationCount()).isGreaterThanOrEqualTo(1);
      writer.del("jc:k");
      assertThat(cached.get("jc:k")).isNull();
    }
  }
}
