package io.corvid.server.commands;

import static io.corvid.server.commands.StringCommandsTest.NIL2;
import static io.corvid.server.commands.StringCommandsTest.NIL3;
import static io.corvid.server.commands.StringCommandsTest.NOT_FLOAT;
import static io.corvid.server.commands.StringCommandsTest.NOT_INTEGER;
import static io.corvid.server.commands.StringCommandsTest.OK;
import static io.corvid.server.commands.StringCommandsTest.SYNTAX;
import static io.corvid.server.commands.StringCommandsTest.WRONGTYPE;
import static io.corvid.server.commands.StringCommandsTest.bulk;
import static io.corvid.server.commands.StringCommandsTest.err;
import static io.corvid.server.commands.StringCommandsTest.integer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HashCommandsTest {
  final CommandHarness h = new CommandHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void hsetCountsNewFields() {
    assertThat(h.call("HSET", "h", "a", "1", "b", "2")).isEqualTo(integer(2));
    assertThat(h.call("HSET", "h", "a", "9", "c", "3")).isEqualTo(integer(1));
    assertThat(h.call("HGET", "h", "a")).isEqualTo(bulk("9"));
    assertThat(h.call("HSET", "h", "a", "1", "b")).isEqualTo(err("ERR wrong number of arguments for 'hset' command"));
    assertThat(h.call("HSET", "h", "a")).isEqualTo(err("ERR wrong number of arguments for 'hset' command"));
    assertThat(h.call("HMSET", "h", "x", "1", "y")).isEqualTo(err("ERR wrong number of arguments for 'hmset' command"));
    assertThat(h.call("HMSET", "h", "x", "1", "y", "2")).isEqualTo(OK);
    assertThat(h.call("HLEN", "h")).isEqualTo(integer(5));
    h.call("SET", "s", "v");
    assertThat(h.call("HSET", "s", "a", "1")).isEqualTo(WRONGTYPE);
    assertThat(h.call("HMSET", "s", "a", "1")).isEqualTo(WRONGTYPE);
    assertThat(h.call("GET", "s")).isEqualTo(bulk("v"));
  }

  @Test
  void hsetnx() {
    assertThat(h.call("HSETNX", "h", "a", "1")).isEqualTo(integer(1));
    assertThat(h.call("HSETNX", "h", "a", "2")).isEqualTo(integer(0));
    assertThat(h.call("HGET", "h", "a")).isEqualTo(bulk("1"));
    h.call("SET", "s", "v");
    assertThat(h.call("HSETNX", "s", "a", "1")).isEqualTo(WRONGTYPE);
  }

  @Test
  void reads() {
    h.call("HSET", "h", "a", "1", "b", "");
    assertThat(h.call("HGET", "h", "a")).isEqualTo(bulk("1"));
    assertThat(h.call("HGET", "h", "b")).isEqualTo(bulk(""));
    assertThat(h.call("HGET", "h", "z")).isEqualTo(NIL2);
    assertThat(h.call("HGET", "none", "z")).isEqualTo(NIL2);
    assertThat(h.call("HMGET", "h", "a", "z", "b")).isEqualTo("*3\r\n" + bulk("1") + NIL2 + bulk(""));
    assertThat(h.call("HMGET", "none", "a", "b")).isEqualTo("*2\r\n" + NIL2 + NIL2);
    assertThat(h.call("HEXISTS", "h", "a")).isEqualTo(integer(1));
    assertThat(h.call("HEXISTS", "h", "z")).isEqualTo(integer(0));
    assertThat(h.call("HEXISTS", "none", "z")).isEqualTo(integer(0));
    assertThat(h.call("HLEN", "h")).isEqualTo(integer(2));
    assertThat(h.call("HLEN", "none")).isEqualTo(integer(0));
    assertThat(h.call("HSTRLEN", "h", "a")).isEqualTo(integer(1));
    assertThat(h.call("HSTRLEN", "h", "z")).isEqualTo(integer(0));
    assertThat(h.call("HSTRLEN", "none", "z")).isEqualTo(integer(0));
    h.resp3();
    assertThat(h.call("HGET", "h", "z")).isEqualTo(NIL3);
    assertThat(h.call("HMGET", "h", "z", "a")).isEqualTo("*2\r\n" + NIL3 + bulk("1"));
  }

  @Test
  void wrongTypeEverywhere() {
    h.call("SET", "s", "v");
    for (String[] cmd : new String[][] {
        {"HGET", "s", "f"}, {"HMGET", "s", "f"}, {"HGETALL", "s"}, {"HKEYS", "s"}, {"HVALS", "s"},
        {"HDEL", "s", "f"}, {"HEXISTS", "s", "f"}, {"HLEN", "s"}, {"HSTRLEN", "s", "f"},
        {"HINCRBY", "s", "f", "1"}, {"HINCRBYFLOAT", "s", "f", "1"}, {"HSCAN", "s", "0"},
        {"HRANDFIELD", "s"}, {"HRANDFIELD", "s", "2"}, {"HSETNX", "s", "f", "v"}}) {
      assertThat(h.call(cmd)).as(String.join(" ", cmd)).isEqualTo(WRONGTYPE);
    }
  }

  @Test
  void hgetallHkeysHvalsRespTwo() {
    assertThat(h.call("HGETALL", "none")).isEqualTo("*0\r\n");
    assertThat(h.call("HKEYS", "none")).isEqualTo("*0\r\n");
    assertThat(h.call("HVALS", "none")).isEqualTo("*0\r\n");
    h.call("HSET", "h", "a", "1", "b", "2");
    assertThat(h.exec("HGETALL", "h")).satisfiesAnyOf(
        r -> assertThat(r).isEqualTo(List.of("a", "1", "b", "2")),
        r -> assertThat(r).isEqualTo(List.of("b", "2", "a", "1")));
    assertThat(execList("HKEYS", "h")).containsExactlyInAnyOrder("a", "b");
    assertThat(execList("HVALS", "h")).containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void hgetallIsAMapInRespThree() {
    h.resp3();
    assertThat(h.call("HGETALL", "none")).isEqualTo("%0\r\n");
    h.call("HSET", "h", "a", "1", "b", "2");
    assertThat(h.call("HGETALL", "h")).startsWith("%2\r\n");
    assertThat(h.exec("HGETALL", "h")).isEqualTo(Map.of("a", "1", "b", "2"));
    assertThat(h.call("HKEYS", "h")).startsWith("*2\r\n");
  }

  @Test
  void hdelRemovesEmptyHash() {
    h.call("HSET", "h", "a", "1", "b", "2", "c", "3");
    assertThat(h.call("HDEL", "h", "a", "a", "z")).isEqualTo(integer(1));
    assertThat(h.call("HDEL", "h", "b", "c")).isEqualTo(integer(2));
    assertThat(h.call("EXISTS", "h")).isEqualTo(integer(0));
    assertThat(h.call("HDEL", "h", "a")).isEqualTo(integer(0));
  }

  @Test
  void hashKeepsTtlOnFieldWrites() {
    h.call("HSET", "h", "a", "1");
    h.call("EXPIRE", "h", "100");
    h.call("HSET", "h", "b", "2");
    h.call("HINCRBY", "h", "n", "1");
    h.call("HDEL", "h", "a");
    assertThat(h.call("TTL", "h")).isEqualTo(integer(100));
  }

  @Test
  void hincrby() {
    assertThat(h.call("HINCRBY", "h", "n", "5")).isEqualTo(integer(5));
    assertThat(h.call("HINCRBY", "h", "n", "-7")).isEqualTo(integer(-2));
    assertThat(h.call("HGET", "h", "n")).isEqualTo(bulk("-2"));
    assertThat(h.call("HINCRBY", "h", "n", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("HINCRBY", "h", "n", "1.5")).isEqualTo(NOT_INTEGER);
    h.call("HSET", "h", "s", "abc", "f", "1.5", "z", "01");
    assertThat(h.call("HINCRBY", "h", "s", "1")).isEqualTo(err("ERR hash value is not an integer"));
    assertThat(h.call("HINCRBY", "h", "f", "1")).isEqualTo(err("ERR hash value is not an integer"));
    assertThat(h.call("HINCRBY", "h", "z", "1")).isEqualTo(err("ERR hash value is not an integer"));
    assertThat(h.call("HINCRBY", "h", "m", "9223372036854775807")).isEqualTo(integer(Long.MAX_VALUE));
    assertThat(h.call("HINCRBY", "h", "m", "1")).isEqualTo(err("ERR increment or decrement would overflow"));
    assertThat(h.call("HINCRBY", "h", "k", "-9223372036854775808")).isEqualTo(integer(Long.MIN_VALUE));
    assertThat(h.call("HINCRBY", "h", "k", "-1")).isEqualTo(err("ERR increment or decrement would overflow"));
  }

  @Test
  void hincrbyfloat() {
    assertThat(h.call("HINCRBYFLOAT", "h", "f", "10.5")).isEqualTo(bulk("10.5"));
    assertThat(h.call("HINCRBYFLOAT", "h", "f", "0.1")).isEqualTo(bulk("10.6"));
    assertThat(h.call("HINCRBYFLOAT", "h", "f", "-5.6")).isEqualTo(bulk("5"));
    assertThat(h.call("HINCRBYFLOAT", "h", "g", "3.0e3")).isEqualTo(bulk("3000"));
    assertThat(h.call("HGET", "h", "f")).isEqualTo(bulk("5"));
    assertThat(h.call("HINCRBYFLOAT", "h", "f", "abc")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("HINCRBYFLOAT", "h", "f", "nan")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("HINCRBYFLOAT", "h", "f", "inf")).isEqualTo(err("ERR value is NaN or Infinity"));
    h.call("HSET", "h", "s", "abc", "i", "inf");
    assertThat(h.call("HINCRBYFLOAT", "h", "s", "1")).isEqualTo(err("ERR hash value is not a float"));
    assertThat(h.call("HINCRBYFLOAT", "h", "i", "1")).isEqualTo(err("ERR increment would produce NaN or Infinity"));
    assertThat(h.resp3().call("HINCRBYFLOAT", "h", "f", "1")).isEqualTo(bulk("6"));
  }

  // ------------------------------------------------------------------ HSCAN

  @Test
  void hscan() {
    assertThat(h.call("HSCAN", "none", "0")).isEqualTo("*2\r\n" + bulk("0") + "*0\r\n");
    assertThat(h.call("HSCAN", "none", "0", "COUNT", "0")).isEqualTo("*2\r\n" + bulk("0") + "*0\r\n");
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      h.call("HSET", "h", "field:" + i, "value:" + i);
      expected.put("field:" + i, "value:" + i);
    }
    Map<String, String> seen = new HashMap<>();
    String cursor = "0";
    int calls = 0;
    do {
      List<?> reply = execList("HSCAN", "h", cursor, "COUNT", "10");
      cursor = (String) reply.get(0);
      List<?> items = (List<?>) reply.get(1);
      assertThat(items.size() % 2).isZero();
      // COUNT is a hint: whole buckets, so a few more than 10 fields at most.
      assertThat(items.size() / 2).isLessThan(40);
      for (int i = 0; i < items.size(); i += 2) {
        seen.put((String) items.get(i), (String) items.get(i + 1));
      }
      calls++;
    } while (!cursor.equals("0"));
    assertThat(seen).isEqualTo(expected);
    assertThat(calls).as("a hashtable-encoded hash is walked with a cursor").isGreaterThan(20);
    // A listpack-encoded (small) hash comes whole, cursor 0, whatever COUNT says, as Redis.
    for (int i = 0; i < 50; i++) {
      h.call("HSET", "small", "f" + i, "v");
    }
    List<?> reply = execList("HSCAN", "small", "0", "COUNT", "5");
    assertThat(reply.get(0)).isEqualTo("0");
    assertThat((List<?>) reply.get(1)).hasSize(100);
    // An unknown cursor ends the scan.
    assertThat(execList("HSCAN", "h", "18446744073709551615").get(0)).isEqualTo("0");
  }

  @Test
  void hscanMatchAndNovalues() {
    h.call("HSET", "h", "a1", "x", "a2", "y", "b1", "z");
    List<?> reply = execList("HSCAN", "h", "0", "MATCH", "a*");
    assertThat(reply.get(0)).isEqualTo("0");
    assertThat(pairs((List<?>) reply.get(1))).isEqualTo(Map.of("a1", "x", "a2", "y"));
    reply = execList("HSCAN", "h", "0", "NOVALUES");
    assertThat(asList(reply.get(1))).containsExactlyInAnyOrder("a1", "a2", "b1");
    reply = execList("HSCAN", "h", "0", "novalues", "MATCH", "*1");
    assertThat(asList(reply.get(1))).containsExactlyInAnyOrder("a1", "b1");
    assertThat(h.resp3().call("HSCAN", "h", "0", "MATCH", "b*")).isEqualTo("*2\r\n" + bulk("0") + "*2\r\n" + bulk("b1") + bulk("z"));
  }

  @Test
  void hscanErrors() {
    h.call("HSET", "h", "a", "1");
    assertThat(h.call("HSCAN", "h", "x")).isEqualTo(err("ERR invalid cursor"));
    assertThat(h.call("HSCAN", "h", "0", "COUNT", "0")).isEqualTo(SYNTAX);
    assertThat(h.call("HSCAN", "h", "0", "TYPE", "string")).isEqualTo(SYNTAX);
    assertThat(h.call("HSCAN", "h", "0", "MATCH")).isEqualTo(SYNTAX);
    assertThat(h.call("HSCAN", "h", "0", "COUNT", "y")).isEqualTo(NOT_INTEGER);
  }

  private List<Object> execList(String... args) {
    return asList(h.exec(args));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object reply) {
    return (List<Object>) reply;
  }

  private static Map<Object, Object> pairs(List<?> flat) {
    Map<Object, Object> m = new HashMap<>();
    for (int i = 0; i < flat.size(); i += 2) {
      m.put(flat.get(i), flat.get(i + 1));
    }
    return m;
  }

  // ------------------------------------------------------------------ HRANDFIELD

  @Test
  void hrandfieldSingle() {
    assertThat(h.call("HRANDFIELD", "none")).isEqualTo(NIL2);
    assertThat(h.resp3().call("HRANDFIELD", "none")).isEqualTo(NIL3);
    h.call("HSET", "h", "a", "1", "b", "2", "c", "3");
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      seen.add(h.exec("HRANDFIELD", "h"));
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");
  }

  @Test
  void hrandfieldPositiveCountIsDistinct() {
    assertThat(h.call("HRANDFIELD", "none", "3")).isEqualTo("*0\r\n");
    h.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
    assertThat(h.call("HRANDFIELD", "h", "0")).isEqualTo("*0\r\n");
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      List<?> two = execList("HRANDFIELD", "h", "2");
      assertThat(two).hasSize(2).doesNotHaveDuplicates();
      seen.addAll(two);
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b", "c", "d");
    assertThat(execList("HRANDFIELD", "h", "10")).containsExactlyInAnyOrder("a", "b", "c", "d");
    List<?> withValues = execList("HRANDFIELD", "h", "3", "WITHVALUES");
    assertThat(withValues).hasSize(6);
    Map<Object, Object> m = pairs(withValues);
    assertThat(m).hasSize(3);
    m.forEach((f, v) -> assertThat(v).isEqualTo(Map.of("a", "1", "b", "2", "c", "3", "d", "4").get(f)));
  }

  @Test
  void hrandfieldNegativeCountRepeats() {
    h.call("HSET", "h", "a", "1");
    assertThat(h.exec("HRANDFIELD", "h", "-3")).isEqualTo(List.of("a", "a", "a"));
    assertThat(h.exec("HRANDFIELD", "h", "-2", "WITHVALUES")).isEqualTo(List.of("a", "1", "a", "1"));
  }

  @Test
  void hrandfieldWithValuesInRespThreeIsPairs() {
    h.resp3();
    h.call("HSET", "h", "a", "1");
    assertThat(h.call("HRANDFIELD", "h", "-2", "WITHVALUES"))
        .isEqualTo("*2\r\n*2\r\n" + bulk("a") + bulk("1") + "*2\r\n" + bulk("a") + bulk("1"));
    assertThat(h.call("HRANDFIELD", "h", "5", "WITHVALUES")).isEqualTo("*1\r\n*2\r\n" + bulk("a") + bulk("1"));
    assertThat(h.call("HRANDFIELD", "h", "5")).isEqualTo("*1\r\n" + bulk("a"));
  }

  @Test
  void hrandfieldErrors() {
    h.call("HSET", "h", "a", "1");
    assertThat(h.call("HRANDFIELD", "h", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("HRANDFIELD", "h", "1", "foo")).isEqualTo(SYNTAX);
    assertThat(h.call("HRANDFIELD", "h", "1", "WITHVALUES", "x")).isEqualTo(SYNTAX);
    assertThat(h.call("HRANDFIELD", "h", "-9223372036854775808")).isEqualTo(
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    assertThat(h.call("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES")).isEqualTo(err("ERR value is out of range"));
  }
}
