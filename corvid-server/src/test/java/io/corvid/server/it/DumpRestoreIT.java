package io.corvid.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.server.testing.ServerProcess;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.RestoreParams;

/** DUMP and RESTORE through Jedis against a real node: round trips, options and Redis's errors. */
class DumpRestoreIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void everyTypeRoundTripsWithItsTtl(RedisProtocol protocol) {
    try (Jedis j = Clients.jedis(server, protocol)) {
      j.flushAll();
      j.set("s", "hello");
      j.set("n", "12345");
      j.set("bin".getBytes(), new byte[] {0, (byte) 0xFF, 10, 13, 0});
      j.hset("small", Map.of("a", "1", "b", "2"));
      Map<String, String> big = new HashMap<>();
      for (int i = 0; i < 500; i++) {
        big.put("field" + i, "value" + i);
      }
      j.hset("big", big);
      j.pexpire("big", 100_000);
      assertThat(j.dump("absent")).isNull();

      for (String key : new String[] {"s", "n", "small", "big"}) {
        byte[] payload = j.dump(key);
        long pttl = Math.max(0, j.pttl(key));
        assertThat(j.restore(key + ":copy", pttl, payload)).isEqualTo("OK");
        assertThat(j.type(key + ":copy")).isEqualTo(j.type(key));
      }
      assertThat(j.get("s:copy")).isEqualTo("hello");
      assertThat(j.get("n:copy")).isEqualTo("12345");
      assertThat(j.hgetAll("small:copy")).isEqualTo(Map.of("a", "1", "b", "2"));
      assertThat(j.hgetAll("big:copy")).isEqualTo(big);
      assertThat(j.pttl("big:copy")).isBetween(90_000L, 100_000L);
      assertThat(j.ttl("s:copy")).isEqualTo(-1);
      byte[] bin = j.dump("bin".getBytes());
      assertThat(j.restore("bin2".getBytes(), 0, bin)).isEqualTo("OK");
      assertThat(j.get("bin2".getBytes())).isEqualTo(new byte[] {0, (byte) 0xFF, 10, 13, 0});
    }
  }

  @ParameterizedTest
  @EnumSource(value = RedisProtocol.class, names = {"RESP2", "RESP3"})
  void optionsAndErrorsAsRedis(RedisProtocol protocol) {
    try (Jedis j = Clients.jedis(server, protocol)) {
      j.flushAll();
      j.set("k", "v1");
      byte[] payload = j.dump("k");
      j.set("k", "v2");
      assertThatThrownBy(() -> j.restore("k", 0, payload))
          .isInstanceOf(JedisDataException.class).hasMessage("BUSYKEY Target key name already exists.");
      assertThat(j.restore("k", 0, payload, RestoreParams.restoreParams().replace())).isEqualTo("OK");
      assertThat(j.get("k")).isEqualTo("v1");

      long at = System.currentTimeMillis() + 60_000;
      assertThat(j.restore("abs", at, payload, RestoreParams.restoreParams().absTtl())).isEqualTo("OK");
      assertThat(j.pexpireTime("abs")).isEqualTo(at);
      assertThat(j.restore("past", 1, payload, RestoreParams.restoreParams().absTtl())).isEqualTo("OK");
      assertThat(j.exists("past")).as("an absolute TTL in the past creates nothing").isFalse();
      assertThat(j.restore("k", 1, payload, RestoreParams.restoreParams().absTtl().replace())).isEqualTo("OK");
      assertThat(j.exists("k")).as("... and REPLACE still deletes the old key").isFalse();

      assertThat(j.restore("idle", 0, payload, RestoreParams.restoreParams().idleTime(1000))).isEqualTo("OK");
      assertThat(j.objectIdletime("idle")).isBetween(1000L, 1010L);
      j.configSet("maxmemory-policy", "allkeys-lfu");
      try {
        assertThat(j.restore("freq", 0, payload, RestoreParams.restoreParams().frequency(77))).isEqualTo("OK");
        assertThat(j.objectFreq("freq")).isEqualTo(77);
      } finally {
        j.configSet("maxmemory-policy", "noeviction");
      }

      assertError(j, "ERR Invalid TTL value, must be >= 0", "RESTORE", "x", "-1", payload);
      assertError(j, "ERR value is not an integer or out of range", "RESTORE", "x", "soon", payload);
      assertError(j, "ERR Invalid IDLETIME value, must be >= 0", "RESTORE", "x", "0", payload, "IDLETIME", "-1");
      assertError(j, "ERR Invalid FREQ value, must be >= 0 and <= 255", "RESTORE", "x", "0", payload, "FREQ", "256");
      assertError(j, "ERR syntax error", "RESTORE", "x", "0", payload, "IDLETIME", "1", "FREQ", "1");
      assertError(j, "ERR syntax error", "RESTORE", "x", "0", payload, "BOGUS");
      assertError(j, "ERR wrong number of arguments for 'restore' command", "RESTORE", "x", "0");
      assertError(j, "ERR wrong number of arguments for 'dump' command", "DUMP");
      assertError(j, "ERR DUMP payload version or checksum are wrong", "RESTORE", "x", "0", "not a payload".getBytes());
      for (int i = 0; i < payload.length; i++) {
        byte[] bad = payload.clone();
        bad[i] ^= 0x5A;
        assertError(j, "ERR DUMP payload version or checksum are wrong", "RESTORE", "x", "0", bad);
      }
      byte[] truncated = java.util.Arrays.copyOf(payload, payload.length - 1);
      assertError(j, "ERR DUMP payload version or checksum are wrong", "RESTORE", "x", "0", truncated);
      assertThat(j.exists("x")).isFalse();
    }
  }

  private static void assertError(Jedis j, String message, Object... args) {
    byte[][] raw = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      raw[i] = args[i] instanceof byte[] b ? b : args[i].toString().getBytes();
    }
    assertThatThrownBy(() -> j.sendCommand(() -> raw[0], java.util.Arrays.copyOfRange(raw, 1, raw.length)))
        .isInstanceOf(JedisDataException.class).hasMessage(message);
  }
}
