package io.corvid.resp;

import static io.corvid.resp.ParseHarness.assertParses;
import static io.corvid.resp.ParseHarness.bytes;
import static io.corvid.resp.ParseHarness.parseByteByByte;
import static io.corvid.resp.ParseHarness.parseWhole;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RequestParserTest {
  private static final RespLimits DEFAULTS = RespLimits.defaults();

  @Nested
  class Multibulk {
    @Test
    void ping() {
      assertParses("*1\r\n$4\r\nPING\r\n", "PING");
    }

    @Test
    void set() {
      assertParses("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "SET|key|value");
    }

    @Test
    void emptyArgument() {
      assertParses("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "GET|");
    }

    @Test
    void binaryPayloadMayHoldCrLfAndNul() {
      assertParses("*2\r\n$4\r\nECHO\r\n$6\r\n\r\n\0*$\n\r\n", "ECHO|\r\n\0*$\n");
    }

    @Test
    void pipelinedRequestsInOneBuffer() {
      assertParses(
          "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nECHO hi\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
          "PING",
          "GET|k",
          "ECHO|hi",
          "SET|k|v");
    }

    @Test
    void zeroAndNegativeCountsAreSkipped() {
      assertParses("*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n", "PING");
      assertParses("*0\r\n");
      assertParses("*-9223372036854775808\r\n*1\r\n$1\r\nx\r\n", "x");
    }

    @Test
    void byteAfterCrAndBulkTrailerAreNotCheckedAsInRedis() {
      assertParses("*1\rX$4\rYPINGab*1\r\n$1\r\nx\r\n", "PING", "x");
    }

    @Test
    void requestIsMarkedMultibulk() throws ProtocolException {
      Request r = new Request();
      new RequestParser(DEFAULTS).parse(Unpooled.wrappedBuffer(bytes("*1\r\n$1\r\nx\r\n")), r);
      assertThat(r.isInline()).isFalse();
    }

    @Test
    void largestValidCountAndLength() {
      // Accepted headers: the parser then waits for the arguments.
      assertThat(parseWhole(DEFAULTS, bytes("*1048576\r\n$536870912\r\n"))).isEmpty();
    }
  }

  @Nested
  class MultibulkErrors {
    @Test
    void invalidMultibulkLength() {
      for (String count :
          new String[] {
            "", "-", "-0", "00", "01", "+1", " 1", "1 ", "1x", "x", "2147483648", "1048577",
            "-9223372036854775809", "99999999999999999999", "123456789012345678901"
          }) {
        assertParses("*" + count + "\r\n", "!Protocol error: invalid multibulk length");
      }
    }

    @Test
    void expectedDollar() {
      assertParses(
          "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "!Protocol error: expected '$', got 'f'");
      assertParses("*1\r\n\r\n", "!Protocol error: expected '$', got '\r'");
      assertParses("*1\r\n:1\r\n", "!Protocol error: expected '$', got ':'");
    }

    @Test
    void expectedDollarWaitsForTheWholeLineAsRedisDoes() {
      assertThat(parseWhole(DEFAULTS, bytes("*1\r\nfoo"))).isEmpty();
    }

    @Test
    void invalidBulkLength() {
      for (String len :
          new String[] {
            "", "-1", "-", "01", "+3", "3 ", "abc", "536870913", "9223372036854775808"
          }) {
        assertParses("*1\r\n$" + len + "\r\n", "!Protocol error: invalid bulk length");
      }
    }

    @Test
    void tooBigMbulkCountString() {
      // 65,536 bytes of line without '\r' are allowed, as in Redis; one more is not.
      String atLimit = "*" + "1".repeat(DEFAULTS.maxInlineLength() - 1);
      assertThat(parseWhole(DEFAULTS, bytes(atLimit))).isEmpty();
      assertThat(parseWhole(DEFAULTS, bytes(atLimit + "1")))
          .containsExactly("!Protocol error: too big mbulk count string");
      assertThat(parseWhole(DEFAULTS, bytes(atLimit + "\r\n")))
          .containsExactly("!Protocol error: invalid multibulk length");
    }

    @Test
    void tooBigBulkCountString() {
      String atLimit = "*1\r\n$" + "1".repeat(DEFAULTS.maxInlineLength() - 1);
      assertThat(parseWhole(DEFAULTS, bytes(atLimit))).isEmpty();
      assertThat(parseWhole(DEFAULTS, bytes(atLimit + "1")))
          .containsExactly("!Protocol error: too big bulk count string");
      assertThat(parseByteByByte(DEFAULTS, bytes(atLimit + "1")))
          .containsExactly("!Protocol error: too big bulk count string");
    }

    @Test
    void multibulkLimitExceededByOne() {
      RespLimits limits = DEFAULTS.withMaxMultibulkLength(2);
      ParseHarness.assertParses(
          limits, bytes("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), List.of("a|b"));
      ParseHarness.assertParses(
          limits, bytes("*3\r\n"), List.of("!Protocol error: invalid multibulk length"));
    }

    @Test
    void bulkLimitExceededByOne() {
      RespLimits limits = DEFAULTS.withProtoMaxBulkLen(3);
      ParseHarness.assertParses(limits, bytes("*1\r\n$3\r\nabc\r\n"), List.of("abc"));
      ParseHarness.assertParses(
          limits, bytes("*1\r\n$4\r\n"), List.of("!Protocol error: invalid bulk length"));
    }

    @Test
    void unauthenticatedLimits() throws ProtocolException {
      assertThat(unauthenticated("*10\r\n")).isNull();
      assertThat(unauthenticated("*11\r\n"))
          .isEqualTo("Protocol error: unauthenticated multibulk length");
      assertThat(unauthenticated("*1\r\n$16384\r\n")).isNull();
      assertThat(unauthenticated("*1\r\n$16385\r\n"))
          .isEqualTo("Protocol error: unauthenticated bulk length");
    }

    private String unauthenticated(String input) {
      RequestParser p = new RequestParser(DEFAULTS);
      p.authRequired(true);
      try {
        p.parse(Unpooled.wrappedBuffer(bytes(input)), new Request());
        return null;
      } catch (ProtocolException e) {
        return e.getMessage();
      }
    }

    @Test
    void errorIsStickyUntilReset() throws ProtocolException {
      RequestParser p = new RequestParser(DEFAULTS);
      Request r = new Request();
      ByteBuf in = Unpooled.wrappedBuffer(bytes("*x\r\n*1\r\n$1\r\na\r\n"));
      assertThatThrownBy(() -> p.parse(in, r)).hasMessage("Protocol error: invalid multibulk length");
      assertThatThrownBy(() -> p.parse(in, r)).hasMessage("Protocol error: invalid multibulk length");
      p.reset();
      assertThat(p.parse(in, r)).isTrue();
      assertThat(ParseHarness.describe(r)).isEqualTo("a");
    }
  }

  @Nested
  class QueryBufferLimit {
    private final String request = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"; // 22 bytes

    @Test
    void requestOfExactlyTheLimitIsAccepted() {
      RespLimits limits = DEFAULTS.withMaxRequestBytes(request.length());
      ParseHarness.assertParses(limits, bytes(request + request), List.of("GET|key", "GET|key"));
    }

    @Test
    void oneByteMoreIsRejectedWithoutReply() {
      RespLimits limits = DEFAULTS.withMaxRequestBytes(request.length() - 1);
      ParseHarness.assertParses(
          limits, bytes(request), List.of("!client-query-buffer-limit exceeded (21 bytes)"));
      RequestParser p = new RequestParser(limits);
      assertThatThrownBy(() -> p.parse(Unpooled.wrappedBuffer(bytes(request)), new Request()))
          .isInstanceOfSatisfying(
              ProtocolException.class, e -> assertThat(e.replyBeforeClose()).isFalse());
    }

    @Test
    void inlineCountsToo() {
      ParseHarness.assertParses(
          DEFAULTS.withMaxRequestBytes(6), bytes("PING\r\nPING\r\n"), List.of("PING", "PING"));
      ParseHarness.assertParses(
          DEFAULTS.withMaxRequestBytes(5),
          bytes("PING\r\n"),
          List.of("!client-query-buffer-limit exceeded (5 bytes)"));
    }

    @Test
    void limitsAreValidated() {
      assertThatThrownBy(() -> DEFAULTS.withMaxRequestBytes(0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> DEFAULTS.withMaxRequestBytes(RespLimits.MAX_REQUEST_BYTES_CEILING + 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(new RespLimits(1, 2, 3).maxRequestBytes())
          .isEqualTo(RespLimits.DEFAULT_MAX_REQUEST_BYTES);
    }
  }

  @Nested
  class Allocation {
    @Test
    void hugeDeclaredBulkDoesNotAllocateUpFront() throws ProtocolException {
      RequestParser p = new RequestParser(DEFAULTS);
      Request r = new Request();
      ByteBuf in = Unpooled.buffer();
      in.writeBytes(bytes("*2\r\n$3\r\nSET\r\n$536870912\r\n"));
      in.writeBytes(new byte[1000]);
      assertThat(p.parse(in, r)).isFalse();
      assertThat(in.readableBytes()).isZero();
      assertThat(r.arena.length).isLessThan(4096);
      in.clear().writeBytes(new byte[100_000]);
      assertThat(p.parse(in, r)).isFalse();
      assertThat(r.arena.length).isLessThan(512 * 1024);
    }

    @Test
    void hugeDeclaredCountReservesNoSlots() throws ProtocolException {
      Request r = new Request();
      assertThat(new RequestParser(DEFAULTS).parse(Unpooled.wrappedBuffer(bytes("*1048576\r\n$1\r\na\r\n")), r))
          .isFalse();
      assertThat(r.offsets.length).isLessThan(64);
    }

    @Test
    void argumentGrowsToExactlyItsDeclaredSize() throws ProtocolException {
      int size = 300_000;
      RequestParser p = new RequestParser(DEFAULTS);
      Request r = new Request();
      ByteBuf in = Unpooled.buffer();
      in.writeBytes(bytes("*1\r\n$" + size + "\r\n"));
      for (int sent = 0; sent < size; sent += 1000) {
        in.writeBytes(new byte[1000]);
        assertThat(p.parse(in, r)).isFalse();
        in.discardReadBytes();
      }
      in.writeBytes(bytes("\r\n"));
      assertThat(p.parse(in, r)).isTrue();
      assertThat(r.length(0)).isEqualTo(size);
      assertThat(r.arena.length).isEqualTo(size);
    }

    @Test
    void largeArgumentByteByByteIsLinear() throws ProtocolException {
      // 2 MiB one byte per call: quadratic re-scanning would take minutes.
      int size = 2 * 1024 * 1024;
      RequestParser p = new RequestParser(DEFAULTS);
      Request r = new Request();
      ByteBuf in = Unpooled.buffer(16);
      byte[] header = bytes("*1\r\n$" + size + "\r\n");
      long start = System.nanoTime();
      for (byte b : header) {
        in.clear().writeByte(b);
        assertThat(p.parse(in, r)).isFalse();
      }
      for (int i = 0; i < size; i++) {
        in.clear().writeByte(i);
        p.parse(in, r);
      }
      in.clear().writeBytes(bytes("\r\n"));
      assertThat(p.parse(in, r)).isTrue();
      assertThat(r.buffer()[r.offset(0) + size - 1]).isEqualTo((byte) (size - 1));
      assertThat(System.nanoTime() - start).isLessThan(20_000_000_000L);
    }
  }

  @Nested
  class Inline {
    @Test
    void simple() {
      assertParses("PING\r\n", "PING");
      assertParses("PING\n", "PING");
      assertParses("  set  a \t  b  \r\n", "set|a|b");
    }

    @Test
    void isMarkedInline() throws ProtocolException {
      Request r = new Request();
      new RequestParser(DEFAULTS).parse(Unpooled.wrappedBuffer(bytes("PING\n")), r);
      assertThat(r.isInline()).isTrue();
    }

    @Test
    void blankLinesAreSkipped() {
      assertParses("\r\n\n   \r\n \t \nPING\r\n", "PING");
      assertParses("\r\n");
    }

    @Test
    void incompleteLineWaits() {
      assertThat(parseWhole(DEFAULTS, bytes("PING"))).isEmpty();
      assertThat(parseWhole(DEFAULTS, bytes("PING\r"))).isEmpty();
    }

    @Test
    void crInsideTheLineSeparatesArguments() {
      assertParses("a\rb\r\r\n", "a|b");
    }

    @Test
    void nulIsAnOrdinaryByte() {
      assertParses("a\0b c\n", "a\0b|c");
    }

    @Test
    void doubleQuotes() {
      assertParses("set \"a b\" \"\"\n", "set|a b|");
      assertParses("\"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n", "\n\r\t\b\u0007\\\"q");
      assertParses("\"\\x41\\x4a\\x4A\\xff\\x00\"\n", "AJJ\u00ff\0");
      assertParses("\"\\xZZ\\x4\" \"\\x\"\n", "xZZx4|x");
      assertParses("\"a\"\u000bb\n", "a|b");
    }

    @Test
    void singleQuotes() {
      assertParses("'it\\'s' 'a\\nb' '\"'\n", "it's|a\\nb|\"");
    }

    @Test
    void quoteInsideAnArgumentJoinsIt() {
      assertParses("set a\"b c\" x'y z'\n", "set|ab c|xy z");
    }

    @Test
    void verticalTabAndFormFeedDoNotEndAnUnquotedArgument() {
      assertParses("\u000b a\u000bb\fc \f\n", "a\u000bb\fc");
    }

    @Test
    void unbalancedQuotes() {
      for (String line :
          new String[] {
            "\"abc", "'abc", "\"abc\"def", "'abc'def", "\"abc\\\"", "\"abc\\", "a\"b", "x \"y\"z"
          }) {
        assertParses(line + "\r\n", "!Protocol error: unbalanced quotes in request");
      }
    }

    @Test
    void tooBigInlineRequestExceededByOne() {
      int max = DEFAULTS.maxInlineLength();
      String atLimit = "a".repeat(max);
      assertThat(parseWhole(DEFAULTS, bytes(atLimit + "\n"))).containsExactly(atLimit);
      assertThat(parseWhole(DEFAULTS, bytes(atLimit.substring(1) + "\r\n")))
          .containsExactly(atLimit.substring(1));
      assertThat(parseWhole(DEFAULTS, bytes(atLimit + "a")))
          .containsExactly("!Protocol error: too big inline request");
      assertThat(parseWhole(DEFAULTS, bytes(atLimit + "\r\n")))
          .containsExactly("!Protocol error: too big inline request");
      assertThat(parseByteByByte(DEFAULTS, bytes(atLimit + "a")))
          .containsExactly("!Protocol error: too big inline request");
    }

    @Test
    void smallInlineLimitSplitAnywhere() {
      RespLimits limits = DEFAULTS.withMaxInlineLength(5);
      ParseHarness.assertParses(limits, bytes("ab cd\nabcd\r\n"), List.of("ab|cd", "abcd"));
      ParseHarness.assertParses(
          limits, bytes("ab cd\r\n"), List.of("!Protocol error: too big inline request"));
    }
  }

  @Test
  void requestIsReusedWithoutGrowing() throws ProtocolException {
    RequestParser p = new RequestParser(DEFAULTS);
    Request r = new Request();
    ByteBuf in = Unpooled.buffer();
    for (int i = 0; i < 3; i++) {
      in.writeBytes(bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$100\r\n" + "v".repeat(100) + "\r\n"));
    }
    byte[] arena = null;
    for (int i = 0; i < 3; i++) {
      assertThat(p.parse(in, r)).isTrue();
      if (arena == null) {
        arena = r.arena;
      }
      assertThat(r.arena).isSameAs(arena);
      assertThat(r.argc()).isEqualTo(3);
      assertThat(r.equalsIgnoreCase(0, bytes("SET"))).isTrue();
    }
  }
}
