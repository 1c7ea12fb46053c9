package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

class StringCommandsTest {
  static final String OK = "+OK\r\n";
  static final String NIL2 = "$-1\r\n";
  static final String NIL3 = "_\r\n";
  static final String WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  static final String SYNTAX = "-ERR syntax error\r\n";
  static final String NOT_INTEGER = "-ERR value is not an integer or out of range\r\n";
  static final String NOT_FLOAT = "-ERR value is not a valid float\r\n";

  final CommandHarness h = new CommandHarness();

  @AfterEach
  void close() {
    h.close();
  }

  static String bulk(String s) {
    return "$" + s.getBytes(StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
  }

  static String integer(long v) {
    return ":" + v + "\r\n";
  }

  static String err(String message) {
    return "-" + message + "\r\n";
  }

  // ------------------------------------------------------------------ GET / SET

  @Test
  void getAndSetRoundTrip() {
    assertThat(h.call("GET", "k")).isEqualTo(NIL2);
    assertThat(h.call("SET", "k", "hello")).isEqualTo(OK);
    assertThat(h.call("GET", "k")).isEqualTo(bulk("hello"));
    assertThat(h.call("set", "k", "")).isEqualTo(OK);
    assertThat(h.call("get", "k")).isEqualTo("$0\r\n\r\n");
  }

  @Test
  void getMissingIsRespThreeNull() {
    h.resp3();
    assertThat(h.call("GET", "k")).isEqualTo(NIL3);
  }

  enum BufferKind {
    HEAP, DIRECT, COMPOSITE;

    io.netty.buffer.ByteBuf create() {
      return switch (this) {
        case HEAP -> io.netty.buffer.Unpooled.buffer(256);
        case DIRECT -> io.netty.buffer.Unpooled.directBuffer(256);
        // no array and no single address: exercises the copy through a scratch array
        case COMPOSITE -> io.netty.buffer.Unpooled.compositeBuffer()
            .addComponents(true, io.netty.buffer.Unpooled.directBuffer(16).writeZero(2), io.netty.buffer.Unpooled.directBuffer(16).writeZero(2))
            .clear();
      };
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(BufferKind.class)
  void getCopiesLargeBinaryValuesIntoEveryKindOfBuffer(BufferKind kind) {
    try (CommandHarness d = new CommandHarness(kind.create())) {
      if (kind == BufferKind.COMPOSITE) {
        assertThat(d.out().hasArray() || d.out().hasMemoryAddress()).isFalse();
      }
      byte[] value = new byte[200_000];
      for (int i = 0; i < value.length; i++) {
        value[i] = (byte) (i * 31 + 7);
      }
      d.callBytes("SET".getBytes(), "bin".getBytes(), value);
      byte[] reply = d.callBytes("GET".getBytes(), "bin".getBytes());
      byte[] header = "$200000\r\n".getBytes(StandardCharsets.US_ASCII);
      assertThat(reply).hasSize(header.length + value.length + 2);
      assertThat(java.util.Arrays.copyOfRange(reply, 0, header.length)).isEqualTo(header);
      assertThat(java.util.Arrays.copyOfRange(reply, header.length, header.length + value.length)).isEqualTo(value);
      assertThat(java.util.Arrays.copyOfRange(reply, reply.length - 2, reply.length)).isEqualTo(new byte[] {'\r', '\n'});
      // and a range out of the middle (GETRANGE shares the copy)
      byte[] range = d.callBytes("GETRANGE".getBytes(), "bin".getBytes(), "100000".getBytes(), "100009".getBytes());
      byte[] expectedRange = java.util.Arrays.copyOfRange(value, 100_000, 100_010);
      assertThat(java.util.Arrays.copyOfRange(range, 5, 15)).isEqualTo(expectedRange);
    }
  }

  @Test
  void getOnHashIsWrongType() {
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("GET", "h")).isEqualTo(WRONGTYPE);
  }

  @Test
  void setReplacesAnyTypeAndClearsTtl() {
    h.call("HSET", "h", "f", "v");
    h.call("EXPIRE", "h", "100");
    assertThat(h.call("SET", "h", "s")).isEqualTo(OK);
    assertThat(h.call("TYPE", "h")).isEqualTo("+string\r\n");
    assertThat(h.call("TTL", "h")).isEqualTo(integer(-1));
  }

  @Test
  void setNxXx() {
    assertThat(h.call("SET", "k", "1", "XX")).isEqualTo(NIL2);
    assertThat(h.call("GET", "k")).isEqualTo(NIL2);
    assertThat(h.call("SET", "k", "1", "NX")).isEqualTo(OK);
    assertThat(h.call("SET", "k", "2", "nx")).isEqualTo(NIL2);
    assertThat(h.call("SET", "k", "3", "xx")).isEqualTo(OK);
    assertThat(h.call("GET", "k")).isEqualTo(bulk("3"));
    assertThat(h.resp3().call("SET", "k", "4", "NX")).isEqualTo(NIL3);
  }

  @Test
  void setExpiryOptions() {
    long now = h.clock.currentTimeMillis();
    assertThat(h.call("SET", "k", "v", "EX", "10")).isEqualTo(OK);
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(10_000));
    assertThat(h.call("SET", "k", "v", "PX", "1500")).isEqualTo(OK);
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(1500));
    assertThat(h.call("SET", "k", "v", "EXAT", Long.toString(now / 1000 + 100))).isEqualTo(OK);
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer(now / 1000 + 100));
    assertThat(h.call("SET", "k", "v", "PXAT", Long.toString(now + 2500))).isEqualTo(OK);
    assertThat(h.call("PEXPIRETIME", "k")).isEqualTo(integer(now + 2500));
    assertThat(h.call("SET", "k", "w", "KEEPTTL")).isEqualTo(OK);
    assertThat(h.call("PEXPIRETIME", "k")).isEqualTo(integer(now + 2500));
    assertThat(h.call("SET", "k", "x")).isEqualTo(OK);
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(-1));
  }

  @Test
  void setExpiresWithTheClock() {
    h.call("SET", "k", "v", "PX", "100");
    h.advanceMillis(99);
    assertThat(h.call("GET", "k")).isEqualTo(bulk("v"));
    h.advanceMillis(1);
    assertThat(h.call("GET", "k")).isEqualTo(NIL2);
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
  }

  @Test
  void setWithAbsoluteTimeInThePastLeavesNoKey() {
    assertThat(h.call("SET", "k", "v", "PXAT", "1")).isEqualTo(OK);
    assertThat(h.call("GET", "k")).isEqualTo(NIL2);
  }

  @Test
  void setInvalidExpireTimes() {
    String invalid = err("ERR invalid expire time in 'set' command");
    assertThat(h.call("SET", "k", "v", "EX", "0")).isEqualTo(invalid);
    assertThat(h.call("SET", "k", "v", "PX", "-1")).isEqualTo(invalid);
    assertThat(h.call("SET", "k", "v", "EXAT", "0")).isEqualTo(invalid);
    assertThat(h.call("SET", "k", "v", "EX", "9223372036854775807")).isEqualTo(invalid);
    assertThat(h.call("SET", "k", "v", "EX", "9223372036854776")).isEqualTo(invalid);
    assertThat(h.call("SET", "k", "v", "PX", "9223372036854775807")).isEqualTo(invalid);
    assertThat(h.call("SET", "k", "v", "EXAT", "9223372036854775")).isEqualTo(OK);
    assertThat(h.call("SET", "k", "v", "EX", "ten")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("SET", "k", "v", "EX", "01")).isEqualTo(NOT_INTEGER);
  }

  @Test
  void setSyntaxErrors() {
    assertThat(h.call("SET", "k", "v", "NX", "XX")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "XX", "NX")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "KEEPTTL", "EX", "10")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "EX", "10", "KEEPTTL")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "EX", "10", "PX", "10")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "PXAT", "10", "EXAT", "10")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "EX")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "PERSIST")).isEqualTo(SYNTAX);
    assertThat(h.call("SET", "k", "v", "FOO")).isEqualTo(SYNTAX);
    // the same option twice is accepted, as Redis does
    assertThat(h.call("SET", "k", "v", "EX", "10", "EX", "20")).isEqualTo(OK);
    assertThat(h.call("SET", "k", "v", "NX", "NX")).isEqualTo(NIL2);
    assertThat(h.call("SET", "k", "v", "GET", "GET")).isEqualTo(bulk("v"));
    // a syntax error wins over a wrong type
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("SET", "h", "v", "GET", "NX", "XX")).isEqualTo(SYNTAX);
  }

  @Test
  void setGet() {
    assertThat(h.call("SET", "k", "1", "GET")).isEqualTo(NIL2);
    assertThat(h.call("SET", "k", "2", "GET")).isEqualTo(bulk("1"));
    assertThat(h.call("SET", "k", "3", "NX", "GET")).isEqualTo(bulk("2"));
    assertThat(h.call("GET", "k")).isEqualTo(bulk("2"));
    assertThat(h.call("SET", "n", "3", "XX", "GET")).isEqualTo(NIL2);
    assertThat(h.call("EXISTS", "n")).isEqualTo(integer(0));
    assertThat(h.call("SET", "k", "4", "XX", "GET", "EX", "5")).isEqualTo(bulk("2"));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(5));
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("SET", "h", "v", "GET")).isEqualTo(WRONGTYPE);
    assertThat(h.call("TYPE", "h")).isEqualTo("+hash\r\n");
    assertThat(h.resp3().call("SET", "m", "1", "GET")).isEqualTo(NIL3);
  }

  @Test
  void setnxSetexPsetex() {
    assertThat(h.call("SETNX", "k", "1")).isEqualTo(integer(1));
    assertThat(h.call("SETNX", "k", "2")).isEqualTo(integer(0));
    assertThat(h.call("GET", "k")).isEqualTo(bulk("1"));
    assertThat(h.call("SETEX", "k", "10", "v")).isEqualTo(OK);
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(10_000));
    assertThat(h.call("GET", "k")).isEqualTo(bulk("v"));
    assertThat(h.call("PSETEX", "k", "250", "w")).isEqualTo(OK);
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(250));
    assertThat(h.call("SETEX", "k", "0", "v")).isEqualTo(err("ERR invalid expire time in 'setex' command"));
    assertThat(h.call("PSETEX", "k", "-5", "v")).isEqualTo(err("ERR invalid expire time in 'psetex' command"));
    assertThat(h.call("SETEX", "k", "x", "v")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("SETEX", "k", "10")).isEqualTo(err("ERR wrong number of arguments for 'setex' command"));
    h.advanceMillis(250);
    assertThat(h.call("GET", "k")).isEqualTo(NIL2);
  }

  @Test
  void getsetGetdel() {
    assertThat(h.call("GETSET", "k", "1")).isEqualTo(NIL2);
    h.call("EXPIRE", "k", "100");
    assertThat(h.call("GETSET", "k", "2")).isEqualTo(bulk("1"));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-1));
    assertThat(h.call("GETDEL", "k")).isEqualTo(bulk("2"));
    assertThat(h.call("GETDEL", "k")).isEqualTo(NIL2);
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("GETSET", "h", "x")).isEqualTo(WRONGTYPE);
    assertThat(h.call("GETDEL", "h")).isEqualTo(WRONGTYPE);
    assertThat(h.call("TYPE", "h")).isEqualTo("+hash\r\n");
    assertThat(h.resp3().call("GETDEL", "none")).isEqualTo(NIL3);
  }

  @Test
  void getex() {
    assertThat(h.call("GETEX", "k")).isEqualTo(NIL2);
    assertThat(h.call("GETEX", "k", "EX", "10")).isEqualTo(NIL2);
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
    h.call("SET", "k", "v");
    assertThat(h.call("GETEX", "k")).isEqualTo(bulk("v"));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-1));
    assertThat(h.call("GETEX", "k", "EX", "10")).isEqualTo(bulk("v"));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(10_000));
    assertThat(h.call("GETEX", "k", "PX", "500")).isEqualTo(bulk("v"));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(500));
    long now = h.clock.currentTimeMillis();
    assertThat(h.call("GETEX", "k", "PXAT", Long.toString(now + 700))).isEqualTo(bulk("v"));
    assertThat(h.call("PTTL", "k")).isEqualTo(integer(700));
    assertThat(h.call("GETEX", "k", "EXAT", Long.toString(now / 1000 + 30))).isEqualTo(bulk("v"));
    assertThat(h.call("EXPIRETIME", "k")).isEqualTo(integer(now / 1000 + 30));
    assertThat(h.call("GETEX", "k", "PERSIST")).isEqualTo(bulk("v"));
    assertThat(h.call("TTL", "k")).isEqualTo(integer(-1));
    // an absolute time in the past deletes the key after replying its value
    assertThat(h.call("GETEX", "k", "PXAT", "1")).isEqualTo(bulk("v"));
    assertThat(h.call("EXISTS", "k")).isEqualTo(integer(0));
  }

  @Test
  void getexErrors() {
    h.call("SET", "k", "v");
    assertThat(h.call("GETEX", "k", "NX")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "KEEPTTL")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "GET")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "PERSIST", "EX", "10")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "EX", "10", "PERSIST")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "EX", "10", "PX", "10")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "EX")).isEqualTo(SYNTAX);
    assertThat(h.call("GETEX", "k", "EX", "0")).isEqualTo(err("ERR invalid expire time in 'getex' command"));
    assertThat(h.call("GETEX", "k", "PX", "x")).isEqualTo(NOT_INTEGER);
    // an absent key answers null before the time is checked
    assertThat(h.call("GETEX", "none", "EX", "0")).isEqualTo(NIL2);
    assertThat(h.call("GETEX", "none", "PX", "x")).isEqualTo(NIL2);
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("GETEX", "h", "PERSIST")).isEqualTo(WRONGTYPE);
    assertThat(h.call("GETEX", "h", "EX", "0")).isEqualTo(WRONGTYPE);
  }

  @Test
  void mgetMset() {
    assertThat(h.call("MSET", "a", "1", "b", "2")).isEqualTo(OK);
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("MGET", "a", "h", "missing", "b", "a"))
        .isEqualTo("*5\r\n" + bulk("1") + NIL2 + NIL2 + bulk("2") + bulk("1"));
    assertThat(h.resp3().call("MGET", "missing", "a")).isEqualTo("*2\r\n" + NIL3 + bulk("1"));
    assertThat(h.call("MSET", "a", "1", "b")).isEqualTo(err("ERR wrong number of arguments for 'mset' command"));
    assertThat(h.call("MSET", "a")).isEqualTo(err("ERR wrong number of arguments for 'mset' command"));
    // MSET overwrites whatever the key held, TTL included
    h.call("EXPIRE", "a", "100");
    assertThat(h.call("MSET", "h", "x", "a", "y")).isEqualTo(OK);
    assertThat(h.call("MGET", "h", "a")).isEqualTo("*2\r\n" + bulk("x") + bulk("y"));
    assertThat(h.call("TTL", "a")).isEqualTo(integer(-1));
  }

  @Test
  void msetnx() {
    assertThat(h.call("MSETNX", "a", "1", "b", "2")).isEqualTo(integer(1));
    assertThat(h.call("MSETNX", "c", "3", "b", "9")).isEqualTo(integer(0));
    assertThat(h.call("EXISTS", "c")).isEqualTo(integer(0));
    assertThat(h.call("GET", "b")).isEqualTo(bulk("2"));
    assertThat(h.call("MSETNX", "c", "3", "d")).isEqualTo(err("ERR wrong number of arguments for 'msetnx' command"));
  }

  // ------------------------------------------------------------------ counters

  @Test
  void incrDecr() {
    assertThat(h.call("INCR", "n")).isEqualTo(integer(1));
    assertThat(h.call("INCRBY", "n", "41")).isEqualTo(integer(42));
    assertThat(h.call("DECR", "n")).isEqualTo(integer(41));
    assertThat(h.call("DECRBY", "n", "50")).isEqualTo(integer(-9));
    assertThat(h.call("INCRBY", "n", "-1")).isEqualTo(integer(-10));
    assertThat(h.call("GET", "n")).isEqualTo(bulk("-10"));
    assertThat(h.call("DECR", "new")).isEqualTo(integer(-1));
  }

  @Test
  void incrKeepsTtl() {
    h.call("SET", "n", "1", "EX", "100");
    h.call("INCR", "n");
    assertThat(h.call("TTL", "n")).isEqualTo(integer(100));
  }

  @Test
  void incrRejectsNonCanonicalIntegers() {
    for (String bad : new String[] {"01", " 1", "1 ", "+1", "-0", "1.5", "abc", "", "99999999999999999999", "9223372036854775808"}) {
      h.call("SET", "n", bad);
      assertThat(h.call("INCR", "n")).as(bad).isEqualTo(NOT_INTEGER);
    }
    h.call("SET", "n", "5");
    assertThat(h.call("INCRBY", "n", "1.0")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("INCRBY", "n", "")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("DECRBY", "n", "x")).isEqualTo(NOT_INTEGER);
    h.call("HSET", "h", "f", "1");
    assertThat(h.call("INCR", "h")).isEqualTo(WRONGTYPE);
  }

  @Test
  void incrOverflow() {
    h.call("SET", "n", "9223372036854775807");
    assertThat(h.call("INCR", "n")).isEqualTo(err("ERR increment or decrement would overflow"));
    h.call("SET", "n", "-9223372036854775808");
    assertThat(h.call("DECR", "n")).isEqualTo(err("ERR increment or decrement would overflow"));
    assertThat(h.call("INCRBY", "n", "9223372036854775807")).isEqualTo(integer(-1));
    assertThat(h.call("DECRBY", "n", "-9223372036854775808")).isEqualTo(err("ERR decrement would overflow"));
    assertThat(h.call("GET", "n")).isEqualTo(bulk("-1"));
  }

  @Test
  void incrbyfloat() {
    h.call("SET", "x", "10.5");
    assertThat(h.call("INCRBYFLOAT", "x", "0.1")).isEqualTo(bulk("10.6"));
    assertThat(h.call("INCRBYFLOAT", "x", "-5")).isEqualTo(bulk("5.6"));
    assertThat(h.call("GET", "x")).isEqualTo(bulk("5.6"));
    assertThat(h.call("INCRBYFLOAT", "y", "3.0e3")).isEqualTo(bulk("3000"));
    assertThat(h.call("INCRBYFLOAT", "y", "1.5E-1")).isEqualTo(bulk("3000.14999999999999991"));
    h.call("SET", "z", "0.1");
    assertThat(h.call("INCRBYFLOAT", "z", "0.2")).isEqualTo(bulk("0.3"));
    h.call("SET", "z", "1");
    assertThat(h.call("INCRBYFLOAT", "z", "1e-30")).isEqualTo(bulk("1"));
    h.call("SET", "z", "-0.5");
    assertThat(h.call("INCRBYFLOAT", "z", "0.5")).isEqualTo(bulk("0"));
    assertThat(h.call("INCRBYFLOAT", "z", "+1")).isEqualTo(bulk("1"));
    assertThat(h.call("INCRBYFLOAT", "z", ".5")).isEqualTo(bulk("1.5"));
    assertThat(h.call("INCRBYFLOAT", "z", "5.")).isEqualTo(bulk("6.5"));
    h.call("SET", "i", "5");
    assertThat(h.resp3().call("INCRBYFLOAT", "i", "1")).isEqualTo(bulk("6")); // a bulk string in RESP3 too
  }

  @Test
  void incrbyfloatKeepsTtl() {
    h.call("SET", "x", "1", "EX", "100");
    h.call("INCRBYFLOAT", "x", "1.5");
    assertThat(h.call("TTL", "x")).isEqualTo(integer(100));
  }

  @Test
  void incrbyfloatErrors() {
    h.call("SET", "x", "1");
    assertThat(h.call("INCRBYFLOAT", "x", "inf")).isEqualTo(err("ERR increment would produce NaN or Infinity"));
    assertThat(h.call("INCRBYFLOAT", "x", "-inf")).isEqualTo(err("ERR increment would produce NaN or Infinity"));
    assertThat(h.call("INCRBYFLOAT", "x", "nan")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", " 1")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", "1 ")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", "1e")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", "1.5d")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", "")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", "1e5000")).isEqualTo(NOT_FLOAT);
    assertThat(h.call("INCRBYFLOAT", "x", "1e-5000")).isEqualTo(NOT_FLOAT);
    h.call("SET", "x", "abc");
    assertThat(h.call("INCRBYFLOAT", "x", "1")).isEqualTo(NOT_FLOAT);
    h.call("HSET", "h", "f", "1");
    assertThat(h.call("INCRBYFLOAT", "h", "1")).isEqualTo(WRONGTYPE);
  }

  // ------------------------------------------------------------------ APPEND, STRLEN, ranges

  @Test
  void appendAndStrlen() {
    assertThat(h.call("STRLEN", "k")).isEqualTo(integer(0));
    assertThat(h.call("APPEND", "k", "Hello")).isEqualTo(integer(5));
    assertThat(h.call("APPEND", "k", " World")).isEqualTo(integer(11));
    assertThat(h.call("APPEND", "k", "")).isEqualTo(integer(11));
    assertThat(h.call("GET", "k")).isEqualTo(bulk("Hello World"));
    assertThat(h.call("STRLEN", "k")).isEqualTo(integer(11));
    h.call("EXPIRE", "k", "50");
    h.call("APPEND", "k", "!");
    assertThat(h.call("TTL", "k")).isEqualTo(integer(50));
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("APPEND", "h", "x")).isEqualTo(WRONGTYPE);
    assertThat(h.call("STRLEN", "h")).isEqualTo(WRONGTYPE);
  }

  @Test
  void appendRespectsProtoMaxBulkLen() {
    h.protoMaxBulkLen = 10;
    h.call("SET", "k", "12345");
    assertThat(h.call("APPEND", "k", "67890")).isEqualTo(integer(10));
    assertThat(h.call("APPEND", "k", "1")).isEqualTo(err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    assertThat(h.call("STRLEN", "k")).isEqualTo(integer(10));
  }

  @Test
  void getrange() {
    h.call("SET", "k", "This is a string");
    assertThat(h.call("GETRANGE", "k", "0", "3")).isEqualTo(bulk("This"));
    assertThat(h.call("GETRANGE", "k", "-3", "-1")).isEqualTo(bulk("ing"));
    assertThat(h.call("GETRANGE", "k", "0", "-1")).isEqualTo(bulk("This is a string"));
    assertThat(h.call("GETRANGE", "k", "10", "100")).isEqualTo(bulk("string"));
    assertThat(h.call("GETRANGE", "k", "-100", "3")).isEqualTo(bulk("This"));
    assertThat(h.call("GETRANGE", "k", "5", "3")).isEqualTo(bulk(""));
    assertThat(h.call("GETRANGE", "k", "-1", "-5")).isEqualTo(bulk(""));
    assertThat(h.call("GETRANGE", "k", "-100", "-50")).isEqualTo(bulk("T"));
    assertThat(h.call("GETRANGE", "k", "100", "200")).isEqualTo(bulk(""));
    assertThat(h.call("SUBSTR", "k", "0", "3")).isEqualTo(bulk("This"));
    assertThat(h.call("GETRANGE", "missing", "0", "-1")).isEqualTo(bulk(""));
    h.call("SET", "e", "");
    assertThat(h.call("GETRANGE", "e", "0", "-1")).isEqualTo(bulk(""));
    assertThat(h.call("GETRANGE", "k", "a", "1")).isEqualTo(NOT_INTEGER);
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("GETRANGE", "h", "0", "1")).isEqualTo(WRONGTYPE);
  }

  @Test
  void setrange() {
    h.call("SET", "k", "Hello World");
    assertThat(h.call("SETRANGE", "k", "6", "Redis")).isEqualTo(integer(11));
    assertThat(h.call("GET", "k")).isEqualTo(bulk("Hello Redis"));
    assertThat(h.call("SETRANGE", "pad", "5", "x")).isEqualTo(integer(6));
    assertThat(h.call("GET", "pad")).isEqualTo(bulk("\0\0\0\0\0x"));
    assertThat(h.call("SETRANGE", "k", "11", "!!")).isEqualTo(integer(13));
    assertThat(h.call("GET", "k")).isEqualTo(bulk("Hello Redis!!"));
    // empty value: no change, the length is returned, an absent key stays absent
    assertThat(h.call("SETRANGE", "k", "100", "")).isEqualTo(integer(13));
    assertThat(h.call("SETRANGE", "none", "5", "")).isEqualTo(integer(0));
    assertThat(h.call("EXISTS", "none")).isEqualTo(integer(0));
    h.call("EXPIRE", "k", "30");
    h.call("SETRANGE", "k", "0", "J");
    assertThat(h.call("TTL", "k")).isEqualTo(integer(30));
  }

  @Test
  void setrangeErrors() {
    h.call("SET", "k", "v");
    assertThat(h.call("SETRANGE", "k", "-1", "x")).isEqualTo(err("ERR offset is out of range"));
    assertThat(h.call("SETRANGE", "k", "x", "x")).isEqualTo(NOT_INTEGER);
    assertThat(h.call("SETRANGE", "k", "536870912", "x"))
        .isEqualTo(err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    h.protoMaxBulkLen = 8;
    assertThat(h.call("SETRANGE", "k", "5", "abcd"))
        .isEqualTo(err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    assertThat(h.call("SETRANGE", "k", "5", "abc")).isEqualTo(integer(8));
    h.call("HSET", "h", "f", "v");
    assertThat(h.call("SETRANGE", "h", "0", "x")).isEqualTo(WRONGTYPE);
  }

  @Test
  void arityComesFromMetadata() {
    assertThat(h.call("GET")).isEqualTo(err("ERR wrong number of arguments for 'get' command"));
    assertThat(h.call("GET", "a", "b")).isEqualTo(err("ERR wrong number of arguments for 'get' command"));
    assertThat(h.call("SET", "a")).isEqualTo(err("ERR wrong number of arguments for 'set' command"));
    assertThat(h.call("INCRBYFLOAT", "a")).isEqualTo(err("ERR wrong number of arguments for 'incrbyfloat' command"));
  }
}
