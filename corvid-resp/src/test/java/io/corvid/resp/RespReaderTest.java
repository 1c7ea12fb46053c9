package io.corvid.resp;

import static io.corvid.resp.ParseHarness.bytes;
import static io.corvid.resp.RespValue.array;
import static io.corvid.resp.RespValue.bulk;
import static io.corvid.resp.RespValue.integer;
import static io.corvid.resp.RespValue.simple;
import static io.corvid.resp.RespVersion.RESP2;
import static io.corvid.resp.RespVersion.RESP3;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.RespValue.Entry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RespReaderTest {
  /** Reads everything; a trailing "!message" records a ProtocolException. */
  static List<Object> readChunks(RespReader.Limits limits, List<byte[]> chunks) {
    RespReader reader = new RespReader(limits);
    List<Object> out = new ArrayList<>();
    ByteBuf buf = Unpooled.buffer();
    try {
      for (byte[] chunk : chunks) {
        buf.writeBytes(chunk);
        RespValue v;
        while ((v = reader.read(buf)) != null) {
          out.add(v);
        }
        assertThat(buf.readableBytes()).as("unconsumed").isZero();
        buf.discardReadBytes();
      }
      assertThat(reader.isIdle()).as("idle at the end").isTrue();
    } catch (ProtocolException e) {
      out.add("!" + e.getMessage());
    } finally {
      buf.release();
    }
    return out;
  }

  static void assertReads(RespReader.Limits limits, byte[] input, Object... expected) {
    List<Object> want = Arrays.asList(expected);
    assertThat(readChunks(limits, List.of(input))).as("whole").isEqualTo(want);
    List<byte[]> single = new ArrayList<>();
    for (byte b : input) {
      single.add(new byte[] {b});
    }
    assertThat(readChunks(limits, single)).as("byte by byte").isEqualTo(want);
    for (int at = 0; at <= input.length; at++) {
      List<byte[]> two =
          List.of(Arrays.copyOfRange(input, 0, at), Arrays.copyOfRange(input, at, input.length));
      assertThat(readChunks(limits, two)).as("split at %d", at).isEqualTo(want);
    }
  }

  static void assertReads(String input, Object... expected) {
    assertReads(RespReader.Limits.defaults(), bytes(input), expected);
  }

  @Nested
  class Types {
    @Test
    void resp2Types() {
      assertReads("+OK\r\n", simple("OK"));
      assertReads("-ERR bad thing\r\n", RespValue.error("ERR bad thing"));
      assertReads(":-42\r\n:+7\r\n", integer(-42), integer(7));
      assertReads(":9223372036854775807\r\n:-9223372036854775808\r\n", integer(Long.MAX_VALUE), integer(Long.MIN_VALUE));
      assertReads("$5\r\nhe\r\nl\r\n", bulk("he\r\nl"));
      assertReads("$0\r\n\r\n", bulk(""));
      assertReads("$-1\r\n*-1\r\n", RespValue.Null.INSTANCE, RespValue.Null.INSTANCE);
      assertReads("*0\r\n", array());
      assertReads("*3\r\n:1\r\n$1\r\na\r\n*1\r\n+x\r\n", array(integer(1), bulk("a"), array(simple("x"))));
      assertReads("*2\r\n$-1\r\n*-1\r\n", array(RespValue.Null.INSTANCE, RespValue.Null.INSTANCE));
    }

    @Test
    void resp3Types() {
      assertReads("_\r\n", RespValue.Null.INSTANCE);
      assertReads("#t\r\n#f\r\n", new RespValue.Bool(true), new RespValue.Bool(false));
      assertReads(
          ",1.5\r\n,-2e3\r\n,inf\r\n,-inf\r\n,nan\r\n,10\r\n",
          new RespValue.DoubleValue(1.5),
          new RespValue.DoubleValue(-2000),
          new RespValue.DoubleValue(Double.POSITIVE_INFINITY),
          new RespValue.DoubleValue(Double.NEGATIVE_INFINITY),
          new RespValue.DoubleValue(Double.NaN),
          new RespValue.DoubleValue(10));
      assertReads(
          "(-3492890328409238509324850943850943825024385\r\n",
          new RespValue.BigNumber(new BigInteger("-3492890328409238509324850943850943825024385")));
      assertReads("=15\r\ntxt:Some string\r\n", new RespValue.Verbatim("txt", bytes("Some string")));
      assertReads("!21\r\nSYNTAX invalid syntax\r\n", new RespValue.ErrorReply("SYNTAX invalid syntax", true));
      assertReads(
          "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
          new RespValue.MapValue(
              List.of(new Entry(simple("first"), integer(1)), new Entry(simple("second"), integer(2)))));
      assertReads("~2\r\n+a\r\n+b\r\n", new RespValue.SetValue(List.of(simple("a"), simple("b"))));
      assertReads(
          ">3\r\n+message\r\n+ch\r\n$2\r\nhi\r\n",
          new RespValue.Push(List.of(simple("message"), simple("ch"), bulk("hi"))));
      assertReads("%0\r\n~0\r\n", new RespValue.MapValue(List.of()), new RespValue.SetValue(List.of()));
    }

    @Test
    void attributes() {
      Entry ttl = new Entry(simple("ttl"), integer(3600));
      assertReads("|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n", new RespValue.Attribute(List.of(ttl), bulk("v")));
      // Inside an aggregate an attribute is not an element: it wraps the next one.
      assertReads(
          "*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n",
          array(integer(1), new RespValue.Attribute(List.of(ttl), integer(2))));
      assertReads(
          "|1\r\n+ttl\r\n:3600\r\n*1\r\n:5\r\n",
          new RespValue.Attribute(List.of(ttl), array(integer(5))));
    }

    @Test
    void pipelinedRepliesComeOneAtATime() throws ProtocolException {
      RespReader r = new RespReader();
      ByteBuf in = Unpooled.wrappedBuffer(bytes("+OK\r\n:1\r\n$1\r\nx\r\n"));
      assertThat(r.read(in)).isEqualTo(simple("OK"));
      assertThat(in.readableBytes()).isEqualTo(11);
      assertThat(r.read(in)).isEqualTo(integer(1));
      assertThat(r.read(in)).isEqualTo(bulk("x"));
      assertThat(r.read(in)).isNull();
    }

    @Test
    void valuesAreImmutable() {
      byte[] b = bytes("abc");
      RespValue.Bulk v = new RespValue.Bulk(b);
      b[0] = 'z';
      v.bytes()[1] = 'z';
      assertThat(v.asString()).isEqualTo("abc");
      assertThat(new RespValue.ErrorReply("WRONGTYPE Operation", false).code()).isEqualTo("WRONGTYPE");
    }
  }

  @Nested
  class Errors {
    @Test
    void malformed() {
      assertReads(":12a\r\n", "!Protocol error: invalid integer");
      assertReads(":\r\n", "!Protocol error: invalid integer");
      assertReads(":9223372036854775808\r\n", "!Protocol error: invalid integer");
      assertReads("+OK\rX", "!Protocol error: CR not followed by LF");
      assertReads("+OK\n", "!Protocol error: LF without CR");
      assertReads("?x\r\n", "!Protocol error: unknown reply type '?'");
      assertReads("$-2\r\n", "!Protocol error: invalid bulk length");
      assertReads("$3\r\nabcd\r\n", "!Protocol error: blob not followed by CRLF");
      assertReads("~-1\r\n", "!Protocol error: invalid aggregate length");
      assertReads("#x\r\n", "!Protocol error: invalid boolean");
      assertReads(",1.5.2\r\n", "!Protocol error: invalid double");
      assertReads(",Infinity\r\n", "!Protocol error: invalid double");
      assertReads(",0x10\r\n", "!Protocol error: invalid double");
      assertReads(",1e\r\n", "!Protocol error: invalid double");
      assertReads("(12x\r\n", "!Protocol error: invalid big number");
      assertReads("_x\r\n", "!Protocol error: invalid null");
      assertReads("=3\r\ntxt\r\n", "!Protocol error: invalid verbatim string");
      assertReads("=5\r\ntxt-x\r\n", "!Protocol error: invalid verbatim string");
      assertReads("$?\r\n", "!Protocol error: streamed strings are not supported");
      assertReads("*?\r\n", "!Protocol error: streamed aggregates are not supported");
    }

    @Test
    void limitsExceededByOne() {
      RespReader.Limits small = new RespReader.Limits(2, 3, 2, 5);
      assertReads(small, bytes("*1\r\n*1\r\n:1\r\n"), array(array(integer(1))));
      assertReads(small, bytes("*1\r\n*1\r\n*1\r\n:1\r\n"), "!Protocol error: reply nested too deeply");
      assertReads(small, bytes("$3\r\nabc\r\n"), bulk("abc"));
      assertReads(small, bytes("$4\r\n"), "!Protocol error: invalid bulk length");
      assertReads(small, bytes("*2\r\n:1\r\n:2\r\n"), array(integer(1), integer(2)));
      assertReads(small, bytes("*3\r\n"), "!Protocol error: invalid aggregate length");
      assertReads(small, bytes("+12345\r\n"), simple("12345"));
      assertReads(small, bytes("+123456\r\n"), "!Protocol error: too big line");
    }

    @Test
    void deepNestingNeedsNoJavaStack() {
      int depth = 100_000;
      String input = "*1\r\n".repeat(depth) + ":1\r\n";
      List<Object> out =
          readChunks(new RespReader.Limits(depth, 10, 10, 100), List.of(bytes(input)));
      assertThat(out).hasSize(1);
    }

    @Test
    void hugeDeclaredBulkDoesNotAllocateUpFront() throws ProtocolException {
      RespReader r = new RespReader();
      ByteBuf in = Unpooled.buffer();
      in.writeBytes(bytes("$536870912\r\n")).writeBytes(new byte[1000]);
      assertThat(r.read(in)).isNull();
      assertThat(r.blobCapacity()).isLessThan(4096);
    }
  }

  @Nested
  class RoundTrip {
    private RespValue roundTrip(Consumer<ByteBuf> write) throws ProtocolException {
      ByteBuf buf = Unpooled.buffer();
      write.accept(buf);
      RespValue v = new RespReader().read(buf);
      assertThat(buf.readableBytes()).isZero();
      return v;
    }

    @Test
    void everyReplyTypeInBothVersions() throws ProtocolException {
      assertThat(roundTrip(RespWriter::ok)).isEqualTo(simple("OK"));
      assertThat(roundTrip(RespWriter::pong)).isEqualTo(simple("PONG"));
      assertThat(roundTrip(o -> RespWriter.simpleString(o, "é ok"))).isEqualTo(simple("é ok"));
      assertThat(roundTrip(o -> RespWriter.error(o, "WRONGTYPE Operation against a key")))
          .isEqualTo(RespValue.error("WRONGTYPE Operation against a key"));
      for (long n : new long[] {0, 1023, 1024, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
        assertThat(roundTrip(o -> RespWriter.integer(o, n))).isEqualTo(integer(n));
      }
      byte[] binary = {0, '\r', '\n', (byte) 0xff};
      assertThat(roundTrip(o -> RespWriter.bulk(o, binary))).isEqualTo(new RespValue.Bulk(binary));
      for (RespVersion v : RespVersion.values()) {
        assertThat(roundTrip(o -> RespWriter.nullBulk(o, v))).isEqualTo(RespValue.Null.INSTANCE);
        assertThat(roundTrip(o -> RespWriter.nullArray(o, v))).isEqualTo(RespValue.Null.INSTANCE);
      }
      assertThat(roundTrip(o -> RespWriter.bool(o, RESP3, true))).isEqualTo(new RespValue.Bool(true));
      assertThat(roundTrip(o -> RespWriter.bool(o, RESP2, true))).isEqualTo(integer(1));
      assertThat(roundTrip(o -> RespWriter.doubleValue(o, RESP3, "-1.25")))
          .isEqualTo(new RespValue.DoubleValue(-1.25));
      assertThat(roundTrip(o -> RespWriter.doubleValue(o, RESP2, "-1.25"))).isEqualTo(bulk("-1.25"));
      assertThat(roundTrip(o -> RespWriter.bigNumber(o, RESP3, "123456789012345678901234567890")))
          .isEqualTo(new RespValue.BigNumber(new BigInteger("123456789012345678901234567890")));
      assertThat(roundTrip(o -> RespWriter.bigNumber(o, RESP2, "12"))).isEqualTo(bulk("12"));
      assertThat(roundTrip(o -> RespWriter.verbatim(o, RESP3, "a\r\nb")))
          .isEqualTo(new RespValue.Verbatim("txt", bytes("a\r\nb")));
      assertThat(roundTrip(o -> RespWriter.verbatim(o, RESP2, "a\r\nb"))).isEqualTo(bulk("a\r\nb"));
    }

    @Test
    void aggregatesInBothVersions() throws ProtocolException {
      Consumer<ByteBuf> array = o -> {
        RespWriter.arrayHeader(o, 2);
        RespWriter.bulk(o, "a");
        RespWriter.integer(o, 1);
      };
      assertThat(roundTrip(array)).isEqualTo(array(bulk("a"), integer(1)));
      assertThat(roundTrip(o -> RespWriter.arrayHeader(o, 0))).isEqualTo(array());

      for (RespVersion v : RespVersion.values()) {
        RespValue map = roundTrip(o -> {
          RespWriter.mapHeader(o, v, 1);
          RespWriter.bulk(o, "k");
          RespWriter.bulk(o, "v");
        });
        RespValue set = roundTrip(o -> {
          RespWriter.setHeader(o, v, 1);
          RespWriter.bulk(o, "m");
        });
        RespValue push = roundTrip(o -> {
          RespWriter.pushHeader(o, v, 2);
          RespWriter.bulk(o, "message");
          RespWriter.bulk(o, "hi");
        });
        if (v == RESP3) {
          assertThat(map).isEqualTo(new RespValue.MapValue(List.of(new Entry(bulk("k"), bulk("v")))));
          assertThat(set).isEqualTo(new RespValue.SetValue(List.of(bulk("m"))));
          assertThat(push).isEqualTo(new RespValue.Push(List.of(bulk("message"), bulk("hi"))));
        } else {
          assertThat(map).isEqualTo(array(bulk("k"), bulk("v")));
          assertThat(set).isEqualTo(array(bulk("m")));
          assertThat(push).isEqualTo(array(bulk("message"), bulk("hi")));
        }
      }

      RespValue attributed = roundTrip(o -> {
        RespWriter.attributeHeader(o, 1);
        RespWriter.simpleString(o, "key-popularity");
        RespWriter.integer(o, 7);
        RespWriter.bulk(o, "value");
      });
      assertThat(attributed)
          .isEqualTo(new RespValue.Attribute(List.of(new Entry(simple("key-popularity"), integer(7))), bulk("value")));
    }
  }
}
