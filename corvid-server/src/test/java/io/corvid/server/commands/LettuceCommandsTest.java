package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.server.testing.ServerProcess;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.CopyArgs;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.GetExArgs;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** String, key and hash commands through Lettuce against a real node, in RESP2 and RESP3. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LettuceCommandsTest {
  static final int SCAN_KEYS = 5000;

  ServerProcess server;
  ClientResources resources;
  final Map<ProtocolVersion, RedisClient> clients = new EnumMap<>(ProtocolVersion.class);

  @BeforeAll
  void start() {
    server = ServerProcess.start();
    resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    for (ProtocolVersion v : new ProtocolVersion[] {ProtocolVersion.RESP2, ProtocolVersion.RESP3}) {
      RedisClient client = RedisClient.create(resources, RedisURI.create(server.host(), server.port()));
      client.setOptions(ClientOptions.builder().protocolVersion(v).build());
      client.setDefaultTimeout(Duration.ofSeconds(20));
      clients.put(v, client);
    }
  }

  @AfterAll
  void stop() {
    clients.values().forEach(c -> c.shutdown(0, 2, TimeUnit.SECONDS));
    if (resources != null) {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  StatefulRedisConnection<String, String> connect(ProtocolVersion v) {
    StatefulRedisConnection<String, String> c = clients.get(v).connect();
    c.sync().flushall();
    return c;
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void strings(ProtocolVersion v) {
    try (var c = connect(v)) {
      RedisCommands<String, String> r = c.sync();
      assertThat(r.get("k")).isNull();
      assertThat(r.set("k", "v")).isEqualTo("OK");
      assertThat(r.set("k", "w", SetArgs.Builder.nx())).isNull();
      assertThat(r.set("k", "w", SetArgs.Builder.xx().px(90_000))).isEqualTo("OK");
      assertThat(r.pttl("k")).isBetween(89_000L, 90_000L);
      assertThat(r.setGet("k", "x", SetArgs.Builder.keepttl())).isEqualTo("w");
      assertThat(r.ttl("k")).isEqualTo(90);
      assertThat(r.setnx("k", "y")).isFalse();
      assertThat(r.setex("s", 40, "v")).isEqualTo("OK");
      assertThat(r.ttl("s")).isEqualTo(40);
      assertThat(r.getex("s", GetExArgs.Builder.persist())).isEqualTo("v");
      assertThat(r.ttl("s")).isEqualTo(-1);
      assertThat(r.getset("s", "w")).isEqualTo("v");
      assertThat(r.getdel("s")).isEqualTo("w");
      assertThat(r.mset(Map.of("a", "1", "b", "2"))).isEqualTo("OK");
      assertThat(r.mget("a", "none", "b")).containsExactly(KeyValue.just("a", "1"), KeyValue.empty("none"), KeyValue.just("b", "2"));
      assertThat(r.msetnx(Map.of("b", "9", "z", "9"))).isFalse();
      assertThat(r.incr("n")).isEqualTo(1);
      assertThat(r.incrby("n", 9)).isEqualTo(10);
      assertThat(r.decrby("n", 3)).isEqualTo(7);
      assertThat(r.decr("n")).isEqualTo(6);
      r.set("f", "10.5");
      assertThat(r.incrbyfloat("f", 0.1)).isEqualTo(10.6);
      assertThat(r.incrbyfloat("g", 3.0e3)).isEqualTo(3000.0);
      assertThat(r.get("g")).isEqualTo("3000");
      assertThat(r.append("t", "Hello World")).isEqualTo(11);
      assertThat(r.strlen("t")).isEqualTo(11);
      assertThat(r.getrange("t", 0, 4)).isEqualTo("Hello");
      assertThat(r.setrange("t", 6, "Redis")).isEqualTo(11);
      assertThat(r.get("t")).isEqualTo("Hello Redis");
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void binaryValuesAndPipelining(ProtocolVersion v) {
    try (StatefulRedisConnection<byte[], byte[]> c = clients.get(v).connect(ByteArrayCodec.INSTANCE)) {
      c.sync().flushall();
      byte[] value = new byte[1 << 20];
      for (int i = 0; i < value.length; i++) {
        value[i] = (byte) (i * 7);
      }
      c.sync().set("bin".getBytes(), value);
      assertThat(c.sync().get("bin".getBytes())).isEqualTo(value);
      RedisAsyncCommands<byte[], byte[]> async = c.async();
      List<RedisFuture<?>> futures = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        futures.add(async.incr("counter".getBytes()));
      }
      assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(20), futures.toArray(new RedisFuture[0]))).isTrue();
      assertThat(new String(c.sync().get("counter".getBytes()))).isEqualTo("2000");
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void expiry(ProtocolVersion v) throws InterruptedException {
    try (var c = connect(v)) {
      RedisCommands<String, String> r = c.sync();
      r.set("k", "v");
      assertThat(r.ttl("k")).isEqualTo(-1);
      assertThat(r.pttl("none")).isEqualTo(-2);
      assertThat(r.expire("k", 100, ExpireArgs.Builder.xx())).isFalse();
      assertThat(r.expire("k", 100, ExpireArgs.Builder.nx())).isTrue();
      assertThat(r.expire("k", 200, ExpireArgs.Builder.lt())).isFalse();
      assertThat(r.expire("k", 200, ExpireArgs.Builder.gt())).isTrue();
      assertThat(r.ttl("k")).isEqualTo(200);
      long now = System.currentTimeMillis() / 1000;
      assertThat(r.expiretime("k")).isBetween(now + 190, now + 210);
      assertThat(r.persist("k")).isTrue();
      assertThat(r.expiretime("k")).isEqualTo(-1);
      assertThat(r.pexpireat("k", 1)).isTrue();
      assertThat(r.exists("k")).isZero();
      r.set("short", "v", SetArgs.Builder.px(30));
      r.hset("h", "f", "v");
      r.pexpire("h", 30);
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (r.exists("short", "h") > 0) {
        assertThat(System.nanoTime()).as("keys should expire").isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(r.hgetall("h")).isEmpty();
      assertThatThrownBy(() -> r.expire("k", 1, ExpireArgs.Builder.nx().gt()))
          .isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void scanVisitsEveryKey(ProtocolVersion v) {
    try (var c = connect(v)) {
      RedisAsyncCommands<String, String> async = c.async();
      Set<String> expected = new HashSet<>();
      List<RedisFuture<?>> futures = new ArrayList<>();
      for (int i = 0; i < SCAN_KEYS; i++) {
        futures.add(async.set("key:" + i, "v"));
        expected.add("key:" + i);
      }
      for (int i = 0; i < 50; i++) {
        futures.add(async.hset("hash:" + i, "f", "v"));
      }
      assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), futures.toArray(new RedisFuture[0]))).isTrue();
      RedisCommands<String, String> r = c.sync();
      assertThat(scanAll(r, KeyScanArgs.Builder.matches("key:*").limit(200))).isEqualTo(expected);
      assertThat(scanAll(r, KeyScanArgs.Builder.type("hash"))).hasSize(50).allMatch(k -> k.startsWith("hash:"));
      assertThat(scanAll(r, new ScanArgs())).hasSize(SCAN_KEYS + 50);
      assertThat(r.keys("key:12*")).hasSize(111); // key:12, key:120..129, key:1200..1299
      assertThat(r.dbsize()).isEqualTo(SCAN_KEYS + 50);
    }
  }

  private static Set<String> scanAll(RedisCommands<String, String> r, ScanArgs args) {
    Set<String> seen = new HashSet<>();
    KeyScanCursor<String> cursor = r.scan(ScanCursor.INITIAL, args);
    seen.addAll(cursor.getKeys());
    while (!cursor.isFinished()) {
      cursor = r.scan(cursor, args);
      seen.addAll(cursor.getKeys());
    }
    return seen;
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void keys(ProtocolVersion v) {
    try (var c = connect(v)) {
      RedisCommands<String, String> r = c.sync();
      r.set("a", "1");
      r.hset("h", "f", "v");
      assertThat(r.type("a")).isEqualTo("string");
      assertThat(r.type("h")).isEqualTo("hash");
      assertThat(r.type("none")).isEqualTo("none");
      assertThat(r.exists("a", "a", "h", "none")).isEqualTo(3);
      assertThat(r.touch("a", "none")).isOne();
      assertThat(r.randomkey()).isIn("a", "h");
      assertThat(r.rename("a", "b")).isEqualTo("OK");
      assertThat(r.renamenx("b", "h")).isFalse();
      assertThat(r.renamenx("b", "c")).isTrue();
      assertThatThrownBy(() -> r.rename("none", "x")).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("ERR no such key");
      assertThat(r.copy("c", "d")).isTrue();
      assertThat(r.copy("h", "d", CopyArgs.Builder.replace(true))).isTrue();
      assertThat(r.hget("d", "f")).isEqualTo("v");
      assertThat(r.copy("c", "c", CopyArgs.Builder.destinationDb(3))).isTrue();
      assertThat(r.move("d", 4)).isTrue();
      assertThat(r.del("c", "none")).isOne();
      assertThat(r.unlink("h")).isOne();
      assertThat(r.dbsize()).isZero();
      r.select(3);
      assertThat(r.get("c")).isEqualTo("1");
      assertThat(r.flushdb()).isEqualTo("OK");
      r.select(4);
      assertThat(r.hgetall("d")).isEqualTo(Map.of("f", "v"));
      assertThat(r.flushall()).isEqualTo("OK");
      assertThat(r.dbsize()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void objectCachedAsAHash(ProtocolVersion v) {
    try (var c = connect(v)) {
      RedisCommands<String, String> r = c.sync();
      Map<String, String> product = new LinkedHashMap<>();
      product.put("sku", "P-123");
      product.put("title", "Widget");
      product.put("price", "9.99");
      product.put("stock", "10");
      assertThat(r.hset("product:123", product)).isEqualTo(4);
      assertThat(r.expire("product:123", Duration.ofMinutes(5))).isTrue();
      assertThat(r.hgetall("product:123")).isEqualTo(product);
      assertThat(r.hincrby("product:123", "stock", -3)).isEqualTo(7);
      assertThat(r.hincrbyfloat("product:123", "price", 0.01)).isEqualTo(10.0);
      assertThat(r.hget("product:123", "price")).isEqualTo("10");
      assertThat(r.hmget("product:123", "sku", "none")).containsExactly(KeyValue.just("sku", "P-123"), KeyValue.empty("none"));
      assertThat(r.hsetnx("product:123", "sku", "X")).isFalse();
      assertThat(r.hexists("product:123", "title")).isTrue();
      assertThat(r.hlen("product:123")).isEqualTo(4);
      assertThat(r.hstrlen("product:123", "title")).isEqualTo(6);
      assertThat(r.hkeys("product:123")).containsExactlyInAnyOrder("sku", "title", "price", "stock");
      assertThat(r.hvals("product:123")).containsExactlyInAnyOrder("P-123", "Widget", "10", "7");
      assertThat(r.hdel("product:123", "title", "none")).isOne();
      assertThat(r.ttl("product:123")).isBetween(299L, 300L);
      assertThat(r.hmset("product:124", Map.of("sku", "P-124"))).isEqualTo("OK");
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void hscanAndHrandfield(ProtocolVersion v) {
    try (var c = connect(v)) {
      RedisCommands<String, String> r = c.sync();
      Map<String, String> fields = new LinkedHashMap<>();
      for (int i = 0; i < 300; i++) {
        fields.put("f" + i, "v" + i);
      }
      r.hset("h", fields);
      Map<String, String> seen = new LinkedHashMap<>();
      MapScanCursor<String, String> cursor = r.hscan("h", ScanArgs.Builder.limit(25));
      seen.putAll(cursor.getMap());
      while (!cursor.isFinished()) {
        cursor = r.hscan("h", cursor, ScanArgs.Builder.limit(25));
        seen.putAll(cursor.getMap());
      }
      assertThat(seen).isEqualTo(fields);
      // A hashtable-encoded hash is walked with a cursor: MATCH filters each step's fields.
      Map<String, String> matched = new LinkedHashMap<>();
      MapScanCursor<String, String> m = r.hscan("h", ScanArgs.Builder.matches("f2?"));
      matched.putAll(m.getMap());
      while (!m.isFinished()) {
        m = r.hscan("h", m, ScanArgs.Builder.matches("f2?"));
        matched.putAll(m.getMap());
      }
      assertThat(matched).hasSize(10);
      java.util.Set<String> keys = new java.util.HashSet<>();
      io.lettuce.core.KeyScanCursor<String> k = r.hscanNovalues("h", ScanArgs.Builder.matches("f1??"));
      keys.addAll(k.getKeys());
      while (!k.isFinished()) {
        k = r.hscanNovalues("h", k, ScanArgs.Builder.matches("f1??"));
        keys.addAll(k.getKeys());
      }
      assertThat(keys).hasSize(100).allMatch(key -> key.startsWith("f1"));
      assertThat(fields).containsKey(r.hrandfield("h"));
      assertThat(r.hrandfield("h", 4)).hasSize(4).doesNotHaveDuplicates();
      assertThat(r.hrandfield("h", -400)).hasSize(400);
      KeyValue<String, String> one = r.hrandfieldWithvalues("h");
      assertThat(fields.get(one.getKey())).isEqualTo(one.getValue());
      List<KeyValue<String, String>> some = r.hrandfieldWithvalues("h", 6);
      assertThat(some).hasSize(6);
      some.forEach(kv -> assertThat(fields.get(kv.getKey())).isEqualTo(kv.getValue()));
      assertThat(r.hrandfieldWithvalues("h", -3)).hasSize(3);
      assertThat(r.hrandfield("none")).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void errors(ProtocolVersion v) {
    try (var c = connect(v)) {
      RedisCommands<String, String> r = c.sync();
      r.hset("h", "f", "x");
      r.set("s", "abc");
      assertThatThrownBy(() -> r.get("h")).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("WRONGTYPE Operation against a key holding the wrong kind of value");
      assertThatThrownBy(() -> r.hgetall("s")).isInstanceOf(RedisCommandExecutionException.class).hasMessageStartingWith("WRONGTYPE");
      assertThatThrownBy(() -> r.incrby("s", 1)).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("ERR value is not an integer or out of range");
      assertThatThrownBy(() -> r.hincrbyfloat("h", "f", 1)).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("ERR hash value is not a float");
      assertThatThrownBy(() -> r.set("k", "v", SetArgs.Builder.px(-5))).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("ERR invalid expire time in 'set' command");
      assertThat(r.getrange("s", 1, Long.MAX_VALUE)).isEqualTo("bc");
      assertThat(r.get("s")).isEqualTo("abc");
    }
  }
}
