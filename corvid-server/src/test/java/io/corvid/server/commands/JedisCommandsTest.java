package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.server.testing.ServerProcess;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.args.FlushMode;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/** String, key and hash commands through Jedis against a real node, in RESP2 and RESP3. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JedisCommandsTest {
  static final int SCAN_KEYS = 5000;

  ServerProcess server;

  @BeforeAll
  void start() {
    server = ServerProcess.start();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A fresh connection on an empty node. */
  Jedis connect(RedisProtocol protocol) {
    Jedis jedis = new Jedis(server.host(), server.port(), DefaultJedisClientConfig.builder().protocol(protocol).build());
    jedis.flushAll();
    return jedis;
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void strings(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      assertThat(j.get("k")).isNull();
      assertThat(j.set("k", "v")).isEqualTo("OK");
      assertThat(j.get("k")).isEqualTo("v");
      assertThat(j.set("k", "w", SetParams.setParams().nx())).isNull();
      assertThat(j.set("k", "w", SetParams.setParams().xx().ex(100))).isEqualTo("OK");
      assertThat(j.ttl("k")).isEqualTo(100);
      assertThat(j.setGet("k", "x", SetParams.setParams().keepTtl())).isEqualTo("w");
      assertThat(j.ttl("k")).isEqualTo(100);
      assertThat(j.setnx("k", "y")).isZero();
      assertThat(j.setex("s", 50, "v")).isEqualTo("OK");
      assertThat(j.psetex("p", 5000, "v")).isEqualTo("OK");
      assertThat(j.pttl("p")).isBetween(4000L, 5000L);
      assertThat(j.getSet("k", "z")).isEqualTo("x");
      assertThat(j.ttl("k")).isEqualTo(-1);
      assertThat(j.getDel("k")).isEqualTo("z");
      assertThat(j.exists("k")).isFalse();
      assertThat(j.getEx("s", GetExParams.getExParams().persist())).isEqualTo("v");
      assertThat(j.ttl("s")).isEqualTo(-1);
      assertThat(j.getEx("s", GetExParams.getExParams().ex(30))).isEqualTo("v");
      assertThat(j.ttl("s")).isEqualTo(30);
      assertThat(j.mset("a", "1", "b", "2")).isEqualTo("OK");
      assertThat(j.mget("a", "nope", "b")).containsExactly("1", null, "2");
      assertThat(j.msetnx("b", "3", "c", "4")).isZero();
      assertThat(j.msetnx("c", "3", "d", "4")).isOne();
      assertThat(j.incr("n")).isEqualTo(1);
      assertThat(j.incrBy("n", 10)).isEqualTo(11);
      assertThat(j.decr("n")).isEqualTo(10);
      assertThat(j.decrBy("n", 20)).isEqualTo(-10);
      j.set("f", "10.5");
      assertThat(j.incrByFloat("f", 0.1)).isEqualTo(10.6);
      assertThat(j.get("f")).isEqualTo("10.6");
      assertThat(j.append("t", "Hello")).isEqualTo(5);
      assertThat(j.append("t", " World")).isEqualTo(11);
      assertThat(j.strlen("t")).isEqualTo(11);
      assertThat(j.getrange("t", -5, -1)).isEqualTo("World");
      assertThat(j.setrange("t", 6, "Redis")).isEqualTo(11);
      assertThat(j.get("t")).isEqualTo("Hello Redis");
      assertThat(j.setrange("pad", 3, "x")).isEqualTo(4);
      assertThat(j.get("pad")).isEqualTo("\0\0\0x");
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void binaryValuesAndPipelining(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      byte[] value = new byte[300_000];
      for (int i = 0; i < value.length; i++) {
        value[i] = (byte) i;
      }
      j.set("bin".getBytes(), value);
      assertThat(j.get("bin".getBytes())).isEqualTo(value);
      Pipeline p = j.pipelined();
      for (int i = 0; i < 1000; i++) {
        p.set("p" + i, Integer.toString(i));
      }
      var gets = new java.util.ArrayList<redis.clients.jedis.Response<String>>();
      for (int i = 0; i < 1000; i++) {
        gets.add(p.get("p" + i));
      }
      p.sync();
      for (int i = 0; i < 1000; i++) {
        assertThat(gets.get(i).get()).isEqualTo(Integer.toString(i));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void expiry(RedisProtocol protocol) throws InterruptedException {
    try (Jedis j = connect(protocol)) {
      j.set("k", "v");
      assertThat(j.ttl("k")).isEqualTo(-1);
      assertThat(j.ttl("missing")).isEqualTo(-2);
      assertThat(j.expire("k", 100, ExpiryOption.XX)).isZero();
      assertThat(j.expire("k", 100, ExpiryOption.NX)).isOne();
      assertThat(j.expire("k", 50, ExpiryOption.GT)).isZero();
      assertThat(j.expire("k", 50, ExpiryOption.LT)).isOne();
      assertThat(j.ttl("k")).isEqualTo(50);
      long expireTime = j.expireTime("k");
      assertThat(expireTime).isBetween(System.currentTimeMillis() / 1000 + 40, System.currentTimeMillis() / 1000 + 60);
      assertThat(j.pexpireTime("k") / 1000).isBetween(expireTime - 1, expireTime);
      assertThat(j.persist("k")).isOne();
      assertThat(j.pttl("k")).isEqualTo(-1);
      assertThat(j.expireAt("k", 1)).isOne(); // in the past: deleted
      assertThat(j.exists("k")).isFalse();
      j.set("short", "v", SetParams.setParams().px(30));
      j.hset("h", "f", "v");
      j.pexpire("h", 30);
      waitUntilGone(j, "short");
      waitUntilGone(j, "h");
      assertThat(j.get("short")).isNull();
      assertThat(j.hget("h", "f")).isNull();
      assertThatThrownBy(() -> j.set("k", "v", SetParams.setParams().ex(0)))
          .isInstanceOf(JedisDataException.class).hasMessage("ERR invalid expire time in 'set' command");
    }
  }

  private static void waitUntilGone(Jedis j, String key) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (j.exists(key)) {
      assertThat(System.nanoTime()).as(key + " should expire").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void scanVisitsEveryKey(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      Pipeline p = j.pipelined();
      Set<String> expected = new HashSet<>();
      for (int i = 0; i < SCAN_KEYS; i++) {
        p.set("key:" + i, "v");
        expected.add("key:" + i);
      }
      for (int i = 0; i < 100; i++) {
        p.hset("hash:" + i, "f", "v");
      }
      p.sync();
      assertThat(scanAll(j, new ScanParams().match("key:*").count(100), null)).isEqualTo(expected);
      assertThat(scanAll(j, new ScanParams().count(50), "hash")).hasSize(100);
      assertThat(scanAll(j, new ScanParams(), null)).hasSize(SCAN_KEYS + 100);
      assertThat(j.keys("hash:1*")).hasSize(11);
      assertThat(j.dbSize()).isEqualTo(SCAN_KEYS + 100);
      assertThatThrownBy(() -> j.scan("x")).isInstanceOf(JedisDataException.class).hasMessage("ERR invalid cursor");
    }
  }

  private static Set<String> scanAll(Jedis j, ScanParams params, String type) {
    Set<String> seen = new HashSet<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> r = type == null ? j.scan(cursor, params) : j.scan(cursor, params, type);
      seen.addAll(r.getResult());
      cursor = r.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return seen;
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void keys(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      j.set("a", "1");
      j.hset("h", "f", "v");
      assertThat(j.type("a")).isEqualTo("string");
      assertThat(j.type("h")).isEqualTo("hash");
      assertThat(j.type("none")).isEqualTo("none");
      assertThat(j.exists("a", "a", "none")).isEqualTo(2);
      assertThat(j.touch("a", "h", "none")).isEqualTo(2);
      assertThat(j.randomKey()).isIn("a", "h");
      assertThat(j.rename("a", "b")).isEqualTo("OK");
      assertThat(j.renamenx("b", "h")).isZero();
      assertThatThrownBy(() -> j.rename("none", "x")).isInstanceOf(JedisDataException.class).hasMessage("ERR no such key");
      assertThat(j.copy("b", "c", false)).isTrue();
      assertThat(j.copy("b", "c", false)).isFalse();
      assertThat(j.copy("h", "c", true)).isTrue();
      assertThat(j.hgetAll("c")).isEqualTo(Map.of("f", "v"));
      assertThat(j.copy("b", "b", 1, false)).isTrue();
      assertThat(j.move("c", 2)).isOne();
      assertThat(j.del("b", "c", "none")).isEqualTo(1);
      assertThat(j.unlink("h")).isOne();
      assertThat(j.dbSize()).isZero();
      j.select(1);
      assertThat(j.get("b")).isEqualTo("1");
      assertThat(j.dbSize()).isOne();
      assertThat(j.flushDB(FlushMode.SYNC)).isEqualTo("OK");
      assertThat(j.dbSize()).isZero();
      j.select(2);
      assertThat(j.type("c")).isEqualTo("hash");
      assertThat(j.flushAll(FlushMode.ASYNC)).isEqualTo("OK");
      assertThat(j.dbSize()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void objectCachedAsAHash(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      Map<String, String> user = new LinkedHashMap<>();
      user.put("name", "Ada");
      user.put("email", "ada@example.com");
      user.put("visits", "0");
      user.put("score", "1.5");
      assertThat(j.hset("user:1", user)).isEqualTo(4);
      j.expire("user:1", 300);
      assertThat(j.hgetAll("user:1")).isEqualTo(user);
      assertThat(j.hincrBy("user:1", "visits", 3)).isEqualTo(3);
      assertThat(j.hincrByFloat("user:1", "score", 0.1)).isEqualTo(1.6);
      assertThat(j.hget("user:1", "score")).isEqualTo("1.6");
      assertThat(j.hmget("user:1", "name", "missing", "visits")).containsExactly("Ada", null, "3");
      assertThat(j.hsetnx("user:1", "name", "Bob")).isZero();
      assertThat(j.hexists("user:1", "email")).isTrue();
      assertThat(j.hlen("user:1")).isEqualTo(4);
      assertThat(j.hstrlen("user:1", "name")).isEqualTo(3);
      assertThat(j.hkeys("user:1")).containsExactlyInAnyOrder("name", "email", "visits", "score");
      assertThat(j.hvals("user:1")).containsExactlyInAnyOrder("Ada", "ada@example.com", "3", "1.6");
      assertThat(j.hdel("user:1", "email", "missing")).isOne();
      assertThat(j.ttl("user:1")).isBetween(299L, 300L);
      assertThat(j.hmset("user:2", Map.of("a", "1"))).isEqualTo("OK");
      assertThat(j.hgetAll("none")).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void hscanAndHrandfield(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (int i = 0; i < 300; i++) {
        fields.put("f" + i, "v" + i);
      }
      j.hset("h", fields);
      Map<String, String> seen = new LinkedHashMap<>();
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<Map.Entry<String, String>> r = j.hscan("h", cursor, new ScanParams().count(20));
        r.getResult().forEach(e -> seen.put(e.getKey(), e.getValue()));
        cursor = r.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
      assertThat(seen).isEqualTo(fields);
      // A hashtable-encoded hash is walked with a cursor: MATCH filters each step's fields.
      Map<String, String> matched = new LinkedHashMap<>();
      cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<Map.Entry<String, String>> r = j.hscan("h", cursor, new ScanParams().match("f1?"));
        r.getResult().forEach(e -> matched.put(e.getKey(), e.getValue()));
        cursor = r.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
      assertThat(matched).hasSize(10);
      assertThat(fields).containsKey(j.hrandfield("h"));
      List<String> three = j.hrandfield("h", 3);
      assertThat(three).hasSize(3).doesNotHaveDuplicates();
      assertThat(j.hrandfield("h", -500)).hasSize(500);
      List<Map.Entry<String, String>> withValues = j.hrandfieldWithValues("h", 5);
      assertThat(withValues).hasSize(5);
      withValues.forEach(e -> assertThat(fields.get(e.getKey())).isEqualTo(e.getValue()));
      assertThat(j.hrandfieldWithValues("h", -4)).hasSize(4);
      assertThat(j.hrandfield("none")).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void errors(RedisProtocol protocol) {
    try (Jedis j = connect(protocol)) {
      j.hset("h", "f", "v");
      j.set("s", "abc");
      assertThatThrownBy(() -> j.get("h")).isInstanceOf(JedisDataException.class)
          .hasMessage("WRONGTYPE Operation against a key holding the wrong kind of value");
      assertThatThrownBy(() -> j.hget("s", "f")).isInstanceOf(JedisDataException.class).hasMessageStartingWith("WRONGTYPE");
      assertThatThrownBy(() -> j.incr("s")).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR value is not an integer or out of range");
      assertThatThrownBy(() -> j.incrByFloat("s", 1)).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR value is not a valid float");
      assertThatThrownBy(() -> j.hincrBy("h", "f", 1)).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR hash value is not an integer");
      assertThatThrownBy(() -> j.setrange("s", -1, "x")).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR offset is out of range");
      assertThat(j.expire("s", 10, ExpiryOption.NX)).isOne();
      assertThatThrownBy(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.HSET, "h", "f"))
          .isInstanceOf(JedisDataException.class).hasMessage("ERR wrong number of arguments for 'hset' command");
      assertThatThrownBy(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.SET, "k", "v", "NX", "XX"))
          .isInstanceOf(JedisDataException.class).hasMessage("ERR syntax error");
      assertThat(j.get("s")).isEqualTo("abc"); // the connection is still usable
    }
  }
}
