package io.corvid.server.commands;

import static io.corvid.server.commands.StringCommandsTest.NIL2;
import static io.corvid.server.commands.StringCommandsTest.NIL3;
import static io.corvid.server.commands.StringCommandsTest.NOT_INTEGER;
import static io.corvid.server.commands.StringCommandsTest.OK;
import static io.corvid.server.commands.StringCommandsTest.SYNTAX;
import static io.corvid.server.commands.StringCommandsTest.bulk;
import static io.corvid.server.commands.StringCommandsTest.err;
import static io.corvid.server.commands.StringCommandsTest.integer;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.storage.Keyspace;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyCommandsTest {
  final CommandHarness h = new CommandHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private long keyspaceHitsAndMisses() {
    var s = h.keyspace.stats();
    return s.keyspaceHits() + s.keyspaceMisses();
  }

  @Test
  void delAndUnlinkCountWhatExisted() {
    h.call("MSET", "a", "1", "b", "2", "c", "3");
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("DEL", "a", "missing", "a", "h")).isEqualTo(integer(2));
    assertThat(h.call("UNLINK", "b", "c", "b")).isEqualTo(integer(2));
    assertThat(h.call("DBSIZE")).isEqualTo(integer(0));
    assertThat(h.call("DEL")).isEqualTo(err("ERR wrong number of arguments for 'del' command"));
  }

  @Test
  void existsCountsDuplicates() {
    h.call("SET", "a", "1");
    assertThat(h.call("EXISTS", "a", "a", "b", "a")).isEqualTo(integer(3));
    assertThat(h.call("EXISTS", "b")).isEqualTo(integer(0));
  }

  @Test
  void type() {
    h.call("SET", "s", "1");
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("TYPE", "s")).isEqualTo("+string\r\n");
    assertThat(h.call("TYPE", "h")).isEqualTo("+hash\r\n");
    assertThat(h.call("TYPE", "none")).isEqualTo("+none\r\n");
    assertThat(h.resp3().call("TYPE", "none")).isEqualTo("+none\r\n");
  }

  @Test
  void touch() {
    h.call("SET", "a", "1");
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("TOUCH", "a", "h", "x", "a")).isEqualTo(integer(3));
  }

  // ------------------------------------------------------------------ expiry

  @Test
  void expireTtlPersist() {
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-2));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(-2));
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer(-2));
    assertThat(h.call("PEXPIRETIME", "k")).isEqualTo(integer(-2));
    assertThat(h.call("EXPIRE", "k", "10")).isEqualTo(integer(0));
    h.call("SET", "k", "v");
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-1));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(-1));
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer(-1));
    assertThat(h.call("PEXPIRETIME", "k")).isEqualTo(integer(-1));
    assertThat(h.call("PERSIST", "k")).isEqualTo(integer(0));
    long now = h.clock.currentTimeMillis();
    assertThat(h.call("EXPIRE", "k", "10")).isEqualTo(integer(1));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(10));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(10_000));
    assertThat(h.call("PEXPIRETIME", "k")).isEqualTo(integer(now + 10_000));
    assertThat(h.call("PEXPIRE", "k", "2500")).isEqualTo(integer(1));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(2500));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(3)); // rounded, as Redis does
    h.advanceMillis(1001);
    assertThat(h.call("TTL", "k")).isEqualTo(integer(1)); // 1499 ms
    assertThat(h.call("PERSIST", "k")).isEqualTo(integer(1));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-1));
    assertThat(h.call("PERSIST", "missing")).isEqualTo(integer(0));
  }

  @Test
  void expireAtAndExpireTimeRounding() {
    h.call("SET", "k", "v");
    long now = h.clock.currentTimeMillis();
    assertThat(h.call("EXPIREAT", "k", Long.toString(now / 1000 + 100))).isEqualTo(integer(1));
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer(now / 1000 + 100));
    assertThat(h.call("PEXPIREAT", "k", Long.toString(now + 123_456))).isEqualTo(integer(1));
    assertThat(h.call("PEXPIRETIME", "k")).isEqualTo(integer(now + 123_456));
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer((now + 123_456 + 500) / 1000));
    h.call("PEXPIREAT", "k", Long.toString(now + 123_400));
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer((now + 123_400 + 500) / 1000));
  }

  @Test
  void keysExpireWithTheClock() {
    h.call("SET", "k", "v");
    h.call("HSET", "h", "f", "v");
    h.call("PEXPIRE", "k", "100");
    h.call("EXPIRE", "h", "1");
    h.advanceMillis(100);
    assertThat(h.call("EXISTS", "k", "h")).isEqualTo(integer(1));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-2));
    h.advanceMillis(900);
    assertThat(h.call("HGET", "h", "f")).isEqualTo(NIL2);
    assertThat(h.call("TYPE", "h")).isEqualTo("+none\r\n");
  }

  @Test
  void expireInThePastDeletes() {
    h.call("SET", "k", "v");
    assertThat(h.call("EXPIRE", "k", "-1")).isEqualTo(integer(1));
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
    h.call("SET", "k", "v");
    assertThat(h.call("PEXPIRE", "k", "0")).isEqualTo(integer(1));
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
    h.call("SET", "k", "v");
    assertThat(h.call("EXPIREAT", "k", "-5")).isEqualTo(integer(1));
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
    h.call("SET", "k", "v");
    assertThat(h.call("PEXPIREAT", "k", Long.toString(h.clock.currentTimeMillis()))).isEqualTo(integer(1));
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
  }

  @Test
  void expireOptions() {
    h.call("SET", "k", "v");
    assertThat(h.call("EXPIRE", "k", "100", "XX")).isEqualTo(integer(0));
    assertThat(h.call("EXPIRE", "k", "100", "GT")).isEqualTo(integer(0)); // no TTL counts as infinite
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-1));
    assertThat(h.call("EXPIRE", "k", "100", "LT")).isEqualTo(integer(1));
    assertThat(h.call("EXPIRE", "k", "50", "NX")).isEqualTo(integer(0));
    assertThat(h.call("EXPIRE", "k", "200", "LT")).isEqualTo(integer(0));
    assertThat(h.call("EXPIRE", "k", "100", "GT")).isEqualTo(integer(0));
    assertThat(h.call("EXPIRE", "k", "200", "gt")).isEqualTo(integer(1));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(200));
    assertThat(h.call("EXPIRE", "k", "150", "XX", "LT")).isEqualTo(integer(1));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(150));
    h.call("PERSIST", "k");
    assertThat(h.call("EXPIRE", "k", "50", "NX")).isEqualTo(integer(1));
    assertThat(h.call("PEXPIRE", "missing", "50", "NX")).isEqualTo(integer(0));
  }

  @Test
  void expireOptionErrors() {
    h.call("SET", "k", "v");
    assertThat(h.call("EXPIRE", "k", "10", "NX", "XX"))
        .isEqualTo(err("ERR NX and XX, GT or LT options at the same time are not compatible"));
    assertThat(h.call("EXPIRE", "k", "10", "NX", "GT"))
        .isEqualTo(err("ERR NX and XX, GT or LT options at the same time are not compatible"));
    assertThat(h.call("PEXPIRE", "k", "10", "LT", "NX"))
        .isEqualTo(err("ERR NX and XX, GT or LT options at the same time are not compatible"));
    assertThat(h.call("EXPIRE", "k", "10", "GT", "LT"))
        .isEqualTo(err("ERR GT and LT options at the same time are not compatible"));
    assertThat(h.call("EXPIRE", "k", "10", "foo")).isEqualTo(err("ERR Unsupported option foo"));
    // options are checked before the time
    assertThat(h.call("EXPIRE", "k", "x", "foo")).isEqualTo(err("ERR Unsupported option foo"));
    assertThat(h.call("EXPIRE", "k", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("EXPIRE", "k", "9223372036854776"))
        .isEqualTo(err("ERR invalid expire time in 'expire' command"));
    assertThat(h.call("EXPIRE", "k", "-9223372036854776"))
        .isEqualTo(err("ERR invalid expire time in 'expire' command"));
    assertThat(h.call("PEXPIRE", "k", "9223372036854775807"))
        .isEqualTo(err("ERR invalid expire time in 'pexpire' command"));
    assertThat(h.call("EXPIREAT", "k", "9223372036854776"))
        .isEqualTo(err("ERR invalid expire time in 'expireat' command"));
    assertThat(h.call("PEXPIREAT", "k", "9223372036854775807")).isEqualTo(integer(1));
    assertThat(h.call("TTL", "k")).isEqualTo(integer((Long.MAX_VALUE - h.clock.currentTimeMillis() + 500) / 1000));
  }

  @Test
  void inspectingKeysDoesNotCountAsHitsButReadsDo() {
    h.call("SET", "k", "v");
    h.keyspace.resetStats();
    h.call("EXPIRE", "k", "10");
    h.call("SET", "k", "w", "KEEPTTL");
    h.call("INCR", "n");
    long writes = keyspaceHitsAndMisses();
    assertThat(writes).isZero();
    h.call("GET", "k");
    h.call("GET", "missing");
    assertThat(keyspaceHitsAndMisses()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ iteration

  @Test
  void keysWithPatterns() {
    h.call("MSET", "one", "1", "two", "2", "three", "3", "four", "4");
    h.call("HSET", "hash", "f", "v");
    assertThat(keysOf(h.exec("KEYS", "*"))).containsExactlyInAnyOrder("one", "two", "three", "four", "hash");
    assertThat(keysOf(h.exec("KEYS", "t*"))).containsExactlyInAnyOrder("two", "three");
    assertThat(keysOf(h.exec("KEYS", "?o*"))).containsExactlyInAnyOrder("four");
    assertThat(keysOf(h.exec("KEYS", "[of]*"))).containsExactlyInAnyOrder("one", "four");
    assertThat(keysOf(h.exec("KEYS", "two"))).containsExactly("two");
    assertThat(keysOf(h.exec("KEYS", "nine"))).isEmpty();
    assertThat(h.call("KEYS", "x*")).isEqualTo("*0\r\n");
  }

  @Test
  void keysSkipsExpired() {
    h.call("MSET", "a", "1", "b", "2");
    h.call("PEXPIRE", "a", "10");
    h.advanceMillis(10);
    assertThat(keysOf(h.exec("KEYS", "*"))).containsExactly("b");
    assertThat(keysOf(h.exec("KEYS", "a"))).isEmpty();
  }

  @Test
  void scanReturnsEveryKeyOnce() {
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      h.call("SET", "key:" + i, "v");
      expected.add("key:" + i);
    }
    for (int i = 0; i < 100; i++) {
      h.call("HSET", "hash:" + i, "f", "v");
    }
    assertThat(scanAll("MATCH", "key:*", "COUNT", "100")).isEqualTo(expected);
    assertThat(scanAll("COUNT", "7", "TYPE", "hash")).hasSize(100).allMatch(k -> k.startsWith("hash:"));
    assertThat(scanAll("TYPE", "STRING")).isEqualTo(expected);
    assertThat(scanAll("TYPE", "list")).isEmpty();
    assertThat(scanAll("MATCH", "key:1?", "MATCH", "key:2?")).hasSize(10).allMatch(k -> k.startsWith("key:2"));
    assertThat(scanAll()).hasSize(2100);
  }

  @Test
  void scanReturnsKeysPresentThroughoutWhileTheKeyspaceGrowsAndShrinks() {
    Set<String> stable = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      h.call("SET", "stable:" + i, "v");
      stable.add("stable:" + i);
      h.call("SET", "doomed:" + i, "v");
    }
    Set<String> seen = new HashSet<>();
    String cursor = "0";
    int step = 0;
    do {
      List<?> reply = (List<?>) h.exec("SCAN", cursor, "COUNT", "25");
      cursor = (String) reply.get(0);
      seen.addAll(keysOf(reply.get(1)));
      // between calls: tables grow (new keys) and shrink (deletions)
      for (int i = 0; i < 40; i++) {
        h.call("SET", "new:" + step + ":" + i, "v");
      }
      for (int i = step * 20; i < step * 20 + 20 && i < 1000; i++) {
        h.call("DEL", "doomed:" + i);
      }
      step++;
    } while (!cursor.equals("0"));
    assertThat(seen).containsAll(stable);
  }

  private Set<String> scanAll(String... options) {
    Set<String> seen = new HashSet<>();
    String cursor = "0";
    int calls = 0;
    do {
      String[] args = new String[2 + options.length];
      args[0] = "SCAN";
      args[1] = cursor;
      System.arraycopy(options, 0, args, 2, options.length);
      List<?> reply = (List<?>) h.exec(args);
      assertThat(reply).hasSize(2);
      cursor = (String) reply.get(0);
      for (String k : keysOf(reply.get(1))) {
        assertThat(seen.add(k)).as("returned twice: " + k).isTrue();
      }
      assertThat(++calls).isLessThan(100_000);
    } while (!cursor.equals("0"));
    return seen;
  }

  @SuppressWarnings("unchecked")
  private static List<String> keysOf(Object reply) {
    return (List<String>) reply;
  }

  @Test
  void scanSkipsExpired() {
    h.call("MSET", "a", "1", "b", "2");
    h.call("PEXPIRE", "a", "10");
    h.advanceMillis(10);
    assertThat(scanAll("COUNT", "100")).containsExactly("b");
  }

  @Test
  void scanErrors() {
    assertThat(h.call("SCAN", "x")).isEqualTo(err("ERR invalid cursor"));
    assertThat(h.call("SCAN", "1x")).isEqualTo(err("ERR invalid cursor"));
    assertThat(h.call("SCAN", " 1")).isEqualTo(err("ERR invalid cursor"));
    assertThat(h.call("SCAN", "")).isEqualTo(err("ERR invalid cursor"));
    assertThat(h.call("SCAN", "18446744073709551616")).isEqualTo(err("ERR invalid cursor"));
    assertThat(h.call("SCAN", "0", "COUNT", "0")).isEqualTo(SYNTAX);
    assertThat(h.call("SCAN", "0", "COUNT", "-1")).isEqualTo(SYNTAX);
    assertThat(h.call("SCAN", "0", "COUNT", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("SCAN", "0", "COUNT")).isEqualTo(SYNTAX);
    assertThat(h.call("SCAN", "0", "MATCH")).isEqualTo(SYNTAX);
    assertThat(h.call("SCAN", "0", "NOVALUES")).isEqualTo(SYNTAX);
    assertThat(h.call("SCAN", "0", "FOO", "bar")).isEqualTo(SYNTAX);
    // strtoul accepts these
    assertThat(h.call("SCAN", "18446744073709551615")).startsWith("*2\r\n");
    assertThat(h.call("SCAN", "+0")).startsWith("*2\r\n");
  }

  @Test
  void randomkey() {
    assertThat(h.call("RANDOMKEY")).isEqualTo(NIL2);
    assertThat(h.resp3().call("RANDOMKEY")).isEqualTo(NIL3);
    h.call("MSET", "a", "1", "b", "2");
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      seen.add(h.exec("RANDOMKEY"));
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b");
  }

  // ------------------------------------------------------------------ rename, copy, move

  @Test
  void rename() {
    assertThat(h.call("RENAME", "a", "b")).isEqualTo(err("ERR no such key"));
    assertThat(h.call("RENAMENX", "a", "b")).isEqualTo(err("ERR no such key"));
    assertThat(h.call("RENAME", "a", "a")).isEqualTo(err("ERR no such key"));
    h.call("SET", "a", "1", "EX", "100");
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("RENAME", "a", "a")).isEqualTo(OK);
    assertThat(h.call("RENAMENX", "a", "a")).isEqualTo(integer(0));
    assertThat(h.call("RENAME", "a", "b")).isEqualTo(OK);
    assertThat(h.call("GET", "b")).isEqualTo(bulk("1"));
    assertThat(h.call("TTL", "b")).isEqualTo(integer(100));
    assertThat(h.call("EXISTS", "a")).isEqualTo(integer(0));
    assertThat(h.call("RENAMENX", "b", "h")).isEqualTo(integer(0));
    assertThat(h.call("RENAMENX", "b", "c")).isEqualTo(integer(1));
    assertThat(h.call("RENAME", "c", "h")).isEqualTo(OK); // overwrites a hash
    assertThat(h.call("TYPE", "h")).isEqualTo("+string\r\n");
  }

  @Test
  void copy() {
    assertThat(h.call("COPY", "a", "b")).isEqualTo(integer(0));
    h.call("SET", "a", "1", "EX", "100");
    h.call("HSET", "h", "f", "v", "g", "w");
    assertThat(h.call("COPY", "a", "b")).isEqualTo(integer(1));
    assertThat(h.call("GET", "b")).isEqualTo(bulk("1"));
    assertThat(h.call("TTL", "b")).isEqualTo(integer(100));
    assertThat(h.call("COPY", "h", "b")).isEqualTo(integer(0));
    assertThat(h.call("COPY", "h", "b", "REPLACE")).isEqualTo(integer(1));
    assertThat(h.call("HGET", "b", "g")).isEqualTo(bulk("w"));
    h.call("HSET", "b", "g", "changed");
    assertThat(h.call("HGET", "h", "g")).isEqualTo(bulk("w")); // a copy, not a share
    assertThat(h.call("COPY", "a", "a")).isEqualTo(err("ERR source and destination objects are the same"));
    assertThat(h.call("COPY", "a", "a", "DB", "0")).isEqualTo(err("ERR source and destination objects are the same"));
    assertThat(h.call("COPY", "a", "a", "DB", "3")).isEqualTo(integer(1));
    h.selectDb(3);
    assertThat(h.call("GET", "a")).isEqualTo(bulk("1"));
    h.selectDb(0);
    assertThat(h.call("COPY", "a", "b", "DB", "16")).isEqualTo(err("ERR DB index is out of range"));
    assertThat(h.call("COPY", "a", "b", "DB", "-1")).isEqualTo(err("ERR DB index is out of range"));
    assertThat(h.call("COPY", "a", "b", "DB", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("COPY", "a", "b", "DB")).isEqualTo(SYNTAX);
    assertThat(h.call("COPY", "a", "b", "FOO")).isEqualTo(SYNTAX);
  }

  @Test
  void move() {
    h.call("SET", "a", "1");
    assertThat(h.call("MOVE", "a", "0")).isEqualTo(err("ERR source and destination objects are the same"));
    assertThat(h.call("MOVE", "a", "16")).isEqualTo(err("ERR DB index is out of range"));
    assertThat(h.call("MOVE", "a", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("MOVE", "missing", "1")).isEqualTo(integer(0));
    assertThat(h.call("MOVE", "a", "1")).isEqualTo(integer(1));
    assertThat(h.call("EXISTS", "a")).isEqualTo(integer(0));
    h.call("SET", "a", "2");
    assertThat(h.call("MOVE", "a", "1")).isEqualTo(integer(0)); // present in the target
    h.selectDb(1);
    assertThat(h.call("GET", "a")).isEqualTo(bulk("1"));
  }

  // ------------------------------------------------------------------ sizes, flush

  @Test
  void dbsizeAndFlush() {
    h.call("MSET", "a", "1", "b", "2");
    h.selectDb(1);
    h.call("SET", "c", "3");
    assertThat(h.call("DBSIZE")).isEqualTo(integer(1));
    assertThat(h.call("FLUSHDB")).isEqualTo(OK);
    assertThat(h.call("DBSIZE")).isEqualTo(integer(0));
    h.selectDb(0);
    assertThat(h.call("DBSIZE")).isEqualTo(integer(2));
    h.selectDb(2);
    h.call("SET", "d", "4");
    assertThat(h.call("FLUSHALL", "ASYNC")).isEqualTo(OK);
    assertThat(h.call("DBSIZE")).isEqualTo(integer(0));
    h.selectDb(0);
    assertThat(h.call("DBSIZE")).isEqualTo(integer(0));
    assertThat(h.call("FLUSHDB", "sync")).isEqualTo(OK);
    assertThat(h.call("FLUSHDB", "foo")).isEqualTo(SYNTAX);
    assertThat(h.call("FLUSHALL", "SYNC", "ASYNC")).isEqualTo(SYNTAX);
  }

  @Test
  void binaryKeysSurvive() {
    byte[] key = {0, (byte) 0xff, '\r', '\n', 'k'};
    h.callBytes("SET".getBytes(StandardCharsets.US_ASCII), key, "v".getBytes(StandardCharsets.US_ASCII));
    byte[] reply = h.callBytes("KEYS".getBytes(StandardCharsets.US_ASCII), "*".getBytes(StandardCharsets.US_ASCII));
    byte[] expected = new byte[] {'*', '1', '\r', '\n', '$', '5', '\r', '\n', 0, (byte) 0xff, '\r', '\n', 'k', '\r', '\n'};
    assertThat(reply).isEqualTo(expected);
    assertThat(h.keyspace.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOSTATS)).isNotEqualTo(Keyspace.NONE);
  }
}
