package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.protocol.ProtocolVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;

/** INFO, CONFIG, COMMAND, TIME, MEMORY, OBJECT, SLOWLOG against a real node. */
class ServerCommandsIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void infoHasRedisSectionsAndFields(RedisProtocol protocol) {
    try (Jedis j = Clients.jedis(server, protocol)) {
      j.select(2);
      j.set("ik", "v");
      j.get("ik");
      j.get("missing");
      String info = j.info();
      assertThat(info).contains("# Server", "# Clients", "# Memory", "# Stats", "# Keyspace")
          .contains("redis_version:", "tcp_port:" + server.port(), "connected_clients:", "used_memory:", "used_memory_rss:",
              "maxmemory:67108864", "maxmemory_policy:allkeys-lru", "keyspace_hits:", "keyspace_misses:", "expired_keys:",
              "evicted_keys:", "total_commands_processed:", "total_connections_received:", "rejected_connections:",
              "db2:keys=1,expires=0,avg_ttl=0")
          .doesNotContain("# Commandstats");
      // Like Redis 7, INFO is a verbatim string in RESP3; Jedis 5 keeps its "txt:" format prefix.
      assertThat(j.info("memory")).startsWith(protocol == RedisProtocol.RESP3 ? "txt:# Memory" : "# Memory").doesNotContain("# Server");
      assertThat(j.info("commandstats")).contains("cmdstat_get:calls=");
      assertThat(j.info("everything")).contains("# Commandstats", "# Keyspace");
      long rss = Long.parseLong(info.lines().filter(l -> l.startsWith("used_memory_rss:")).findFirst().orElseThrow().substring(16).trim());
      assertThat(rss).isGreaterThan(1_000_000);
    }
  }

  @Test
  void configGetSetAndErrors() {
    try (RawClient c = new RawClient(server)) {
      assertThat(c.call("CONFIG", "GET", "maxmemory")).isEqualTo(RespValue.array(RespValue.bulk("maxmemory"), RespValue.bulk("67108864")));
      RespValue.Array many = (RespValue.Array) c.call("CONFIG", "GET", "max*", "hz");
      assertThat(many.elements()).contains(RespValue.bulk("maxclients"), RespValue.bulk("maxmemory-policy"), RespValue.bulk("hz"));
      assertThat(text(c.call("CONFIG", "SET", "hz", "20", "timeout", "300"))).isEqualTo("OK");
      assertThat(c.call("CONFIG", "GET", "timeout")).isEqualTo(RespValue.array(RespValue.bulk("timeout"), RespValue.bulk("300")));
      assertThat(text(c.call("CONFIG", "SET", "hz", "abc")))
          .isEqualTo("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer");
      assertThat(text(c.call("CONFIG", "SET", "nosuch", "1"))).isEqualTo("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
      assertThat(text(c.call("CONFIG", "SET", "databases", "3")))
          .isEqualTo("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
      assertThat(text(c.call("CONFIG", "SET", "maxmemory", "-1")))
          .isEqualTo("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
      assertThat(text(c.call("CONFIG", "SET", "maxmemory-policy", "bogus")))
          .startsWith("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: noeviction, allkeys-lru");
      assertThat(text(c.call("CONFIG", "SET", "timeout", "0", "timeout", "1")))
          .isEqualTo("ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter");
      // an invalid pair rejects the whole call: timeout keeps its value
      assertThat(text(c.call("CONFIG", "SET", "timeout", "7", "hz", "x"))).startsWith("ERR CONFIG SET failed");
      assertThat(c.call("CONFIG", "GET", "timeout")).isEqualTo(RespValue.array(RespValue.bulk("timeout"), RespValue.bulk("300")));
      assertThat(text(c.call("CONFIG", "SET", "timeout"))).isEqualTo("ERR wrong number of arguments for 'config|set' command");
      assertThat(text(c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 10"))).isEqualTo("OK");
      assertThat(c.call("CONFIG", "GET", "client-output-buffer-limit")).isEqualTo(RespValue.array(
          RespValue.bulk("client-output-buffer-limit"), RespValue.bulk("normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10")));
      assertThat(text(c.call("CONFIG", "SET", "client-output-buffer-limit", "bogus 1 2 3")))
          .endsWith("Invalid client class specified in buffer limit configuration.");
      assertThat(text(c.call("CONFIG", "SET", "proto-max-bulk-len", "1000")))
          .endsWith("argument must be between 1048576 and 9223372036854775807 inclusive");
      c.call("CONFIG", "SET", "timeout", "0", "hz", "10");
    }
  }

  @Test
  void configGetIsAMapInResp3AndResetstatClearsCounters() {
    try (RawClient c = new RawClient(server)) {
      c.call("HELLO", "3");
      RespValue v = c.call("CONFIG", "GET", "port");
      assertThat(v).isInstanceOf(RespValue.MapValue.class);
      c.call("GET", "x");
      assertThat(text(c.call("CONFIG", "RESETSTAT"))).isEqualTo("OK");
      String stats = text(c.call("INFO", "stats"));
      assertThat(stats).contains("keyspace_misses:0").contains("keyspace_hits:0");
      assertThat(text(c.call("INFO", "commandstats"))).doesNotContain("cmdstat_get:");
    }
  }

  @Test
  void commandIntrospection() {
    try (Jedis j = Clients.jedis(server, RedisProtocol.RESP2)) {
      long count = (Long) j.sendCommand(Protocol.Command.COMMAND, "COUNT");
      assertThat(count).isGreaterThan(20);
      List<Object> info = (List<Object>) j.sendCommand(Protocol.Command.COMMAND, "INFO", "get", "nosuch", "client|id");
      List<Object> get = (List<Object>) info.get(0);
      assertThat(new String((byte[]) get.get(0))).isEqualTo("get");
      assertThat(get.get(1)).isEqualTo(2L);
      assertThat(get).hasSize(10);
      assertThat(info.get(1)).isNull();
      List<Object> all = (List<Object>) j.sendCommand(Protocol.Command.COMMAND);
      assertThat((long) all.size()).isEqualTo(count);
      List<Object> docs = (List<Object>) j.sendCommand(Protocol.Command.COMMAND, "DOCS", "set");
      assertThat(new String((byte[]) docs.get(0))).isEqualTo("set");
      List<Object> setDoc = (List<Object>) docs.get(1);
      assertThat(setDoc.stream().filter(o -> o instanceof byte[]).map(o -> new String((byte[]) o)).toList())
          .contains("summary", "since", "group", "complexity", "arguments");
      List<Object> list = (List<Object>) j.sendCommand(Protocol.Command.COMMAND, "LIST", "FILTERBY", "PATTERN", "client*");
      assertThat(list.stream().map(o -> new String((byte[]) o)).toList()).contains("client", "client|id", "client|kill");
    }
    RedisClient lettuce = Clients.lettuce(server, ProtocolVersion.RESP3);
    try (var c = lettuce.connect()) {
      assertThat(c.sync().command()).hasSizeGreaterThan(20);
      assertThat(c.sync().commandCount()).isGreaterThan(20);
    } finally {
      lettuce.shutdown();
    }
  }

  @Test
  void timeMemoryObjectAndTheirPolicyErrors() throws Exception {
    try (RawClient c = new RawClient(server)) {
      RespValue.Array time = (RespValue.Array) c.call("TIME");
      long secs = Long.parseLong(text(time.elements().get(0)));
      assertThat(Math.abs(secs - System.currentTimeMillis() / 1000)).isLessThan(5);
      c.call("SET", "mu", "x".repeat(1000));
      long usage = ((RespValue.Int) c.call("MEMORY", "USAGE", "mu")).value();
      assertThat(usage).isBetween(1000L, 2000L);
      assertThat(c.call("MEMORY", "USAGE", "mu", "SAMPLES", "5")).isInstanceOf(RespValue.Int.class);
      assertThat(c.call("MEMORY", "USAGE", "nosuch")).isEqualTo(RespValue.Null.INSTANCE);
      assertThat(text(c.call("OBJECT", "ENCODING", "mu"))).isEqualTo("raw");
      assertThat(c.call("OBJECT", "REFCOUNT", "mu")).isEqualTo(RespValue.integer(1));
      assertThat(c.call("OBJECT", "IDLETIME", "mu")).isInstanceOf(RespValue.Int.class);
      assertThat(text(c.call("OBJECT", "FREQ", "mu"))).startsWith("ERR An LFU maxmemory policy is not selected, access frequency not tracked.");
      assertThat(c.call("OBJECT", "ENCODING", "nosuch")).isEqualTo(RespValue.Null.INSTANCE);
      c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
      try {
        assertThat(c.call("OBJECT", "FREQ", "mu")).isInstanceOf(RespValue.Int.class);
        assertThat(text(c.call("OBJECT", "IDLETIME", "mu"))).startsWith("ERR An LFU maxmemory policy is selected, idle time not tracked.");
      } finally {
        c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      }
      assertThat(text(c.call("OBJECT", "NOPE", "mu"))).isEqualTo("ERR unknown subcommand 'NOPE'. Try OBJECT HELP.");
    }
  }

  @Test
  void slowlogRecordsSlowCommands() {
    try (RawClient c = new RawClient(server)) {
      c.call("CLIENT", "SETNAME", "slowpoke");
      c.call("SLOWLOG", "RESET");
      assertThat(text(c.call("CONFIG", "SET", "slowlog-log-slower-than", "50000"))).isEqualTo("OK");
      try {
        c.call("PING");
        assertThat(text(c.call("DEBUG", "SLEEP", "0.1"))).isEqualTo("OK");
        assertThat(c.call("SLOWLOG", "LEN")).isEqualTo(RespValue.integer(1));
        RespValue.Array entries = (RespValue.Array) c.call("SLOWLOG", "GET");
        List<RespValue> e = ((RespValue.Array) entries.elements().get(0)).elements();
        assertThat(((RespValue.Int) e.get(2)).value()).isGreaterThanOrEqualTo(100_000);
        assertThat(e.get(3)).isEqualTo(RespValue.array(RespValue.bulk("DEBUG"), RespValue.bulk("SLEEP"), RespValue.bulk("0.1")));
        assertThat(text(e.get(4))).startsWith("127.0.0.1:");
        assertThat(text(e.get(5))).isEqualTo("slowpoke");
        assertThat(text(c.call("SLOWLOG", "RESET"))).isEqualTo("OK");
        assertThat(c.call("SLOWLOG", "LEN")).isEqualTo(RespValue.integer(0));
        assertThat(text(c.call("SLOWLOG", "GET", "-2"))).isEqualTo("ERR count should be greater than or equal to -1");
      } finally {
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
      }
    }
  }

  @Test
  void helpSubcommandsAnswer() {
    try (RawClient c = new RawClient(server)) {
      for (String container : List.of("CONFIG", "COMMAND", "OBJECT", "SLOWLOG", "MEMORY", "PUBSUB", "CLIENT")) {
        RespValue.Array help = (RespValue.Array) c.call(container, "HELP");
        assertThat(text(help.elements().get(0))).startsWith(container + " <subcommand>");
      }
    }
  }

  @Test
  void lettuceReadsInfoAndConfigInResp3() {
    RedisClient lettuce = Clients.lettuce(server, ProtocolVersion.RESP3);
    try (var c = lettuce.connect()) {
      assertThat(c.sync().info("server")).contains("redis_version:");
      Map<String, String> cfg = c.sync().configGet("maxmemory-policy");
      assertThat(cfg).containsEntry("maxmemory-policy", "allkeys-lru");
      assertThat(c.sync().time()).hasSize(2);
    } finally {
      lettuce.shutdown();
    }
    assertThatThrownBy(() -> {
      try (Jedis j = Clients.jedis(server, RedisProtocol.RESP3)) {
        j.configSet("hz", "nope");
      }
    }).hasMessageContaining("argument couldn't be parsed into an integer");
  }
}
