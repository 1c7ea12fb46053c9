package io.corvid.resp;

import static io.corvid.resp.RespVersion.RESP2;
import static io.corvid.resp.RespVersion.RESP3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Exact bytes of every reply type in RESP2 and RESP3. */
class RespWriterTest {
  static String written(Consumer<ByteBuf> write) {
    ByteBuf out = Unpooled.buffer(4);
    write.accept(out);
    String s = out.toString(StandardCharsets.ISO_8859_1);
    out.release();
    return s;
  }

  static String utf8(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  @Test
  void sharedStatusReplies() {
    assertThat(written(RespWriter::ok)).isEqualTo("+OK\r\n");
    assertThat(written(RespWriter::pong)).isEqualTo("+PONG\r\n");
    assertThat(written(RespWriter::queued)).isEqualTo("+QUEUED\r\n");
  }

  @Test
  void simpleString() {
    assertThat(written(o -> RespWriter.simpleString(o, "hello world"))).isEqualTo("+hello world\r\n");
    assertThat(written(o -> RespWriter.simpleString(o, "é"))).isEqualTo(utf8("+é\r\n"));
  }

  @Test
  void errorKeepsOneLineAndEncodesUtf8() {
    assertThat(written(o -> RespWriter.error(o, "ERR unknown command 'x'")))
        .isEqualTo("-ERR unknown command 'x'\r\n");
    assertThat(written(o -> RespWriter.error(o, "ERR a\r\nb"))).isEqualTo("-ERR a  b\r\n");
    assertThat(written(o -> RespWriter.error(o, "ERR é 😀"))).isEqualTo(utf8("-ERR é 😀\r\n"));
  }

  @Test
  void integers() {
    assertThat(written(o -> RespWriter.integer(o, 0))).isEqualTo(":0\r\n");
    assertThat(written(o -> RespWriter.integer(o, 1023))).isEqualTo(":1023\r\n");
    assertThat(written(o -> RespWriter.integer(o, 1024))).isEqualTo(":1024\r\n");
    assertThat(written(o -> RespWriter.integer(o, -1))).isEqualTo(":-1\r\n");
    assertThat(written(o -> RespWriter.integer(o, Long.MAX_VALUE))).isEqualTo(":9223372036854775807\r\n");
    assertThat(written(o -> RespWriter.integer(o, Long.MIN_VALUE))).isEqualTo(":-9223372036854775808\r\n");
    assertThat(written(o -> RespWriter.integer(o, -1000000))).isEqualTo(":-1000000\r\n");
  }

  @Test
  void bulkStrings() {
    assertThat(written(o -> RespWriter.bulk(o, "foo"))).isEqualTo("$3\r\nfoo\r\n");
    assertThat(written(o -> RespWriter.bulk(o, new byte[0]))).isEqualTo("$0\r\n\r\n");
    assertThat(written(o -> RespWriter.bulk(o, new byte[] {'a', '\r', '\n', 0, 'b'}, 1, 3)))
        .isEqualTo("$3\r\n\r\n\0\r\n");
    assertThat(written(o -> RespWriter.bulk(o, "x".repeat(1500)))).isEqualTo("$1500\r\n" + "x".repeat(1500) + "\r\n");
    assertThat(written(o -> {
      RespWriter.bulkHeader(o, 2);
      o.writeByte('h').writeByte('i');
      RespWriter.crlf(o);
    })).isEqualTo("$2\r\nhi\r\n");
  }

  /** The header is written in whole ints and shorts for lengths below 1000: every digit count, both ends. */
  @Test
  void bulkHeadersOfEveryDigitCount() {
    for (int len : new int[] {0, 1, 9, 10, 11, 42, 99, 100, 101, 500, 999, 1000, 1001, 65_536, 999_999_999,
        Integer.MAX_VALUE}) {
      assertThat(written(o -> RespWriter.bulkHeader(o, len))).isEqualTo("$" + len + "\r\n");
    }
    // after other bytes, at an unaligned index, in a direct buffer too
    ByteBuf direct = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(2);
    try {
      direct.writeByte('x');
      RespWriter.bulkHeader(direct, 7);
      RespWriter.bulkHeader(direct, 73);
      RespWriter.bulkHeader(direct, 734);
      RespWriter.ok(direct);
      RespWriter.nullBulk(direct, RESP2);
      RespWriter.nullBulk(direct, RESP3);
      RespWriter.crlf(direct);
      assertThat(direct.toString(StandardCharsets.ISO_8859_1)).isEqualTo("x$7\r\n$73\r\n$734\r\n+OK\r\n$-1\r\n_\r\n\r\n");
    } finally {
      direct.release();
    }
  }

  @Test
  void nulls() {
    assertThat(written(o -> RespWriter.nullBulk(o, RESP2))).isEqualTo("$-1\r\n");
    assertThat(written(o -> RespWriter.nullBulk(o, RESP3))).isEqualTo("_\r\n");
    assertThat(written(o -> RespWriter.nullArray(o, RESP2))).isEqualTo("*-1\r\n");
    assertThat(written(o -> RespWriter.nullArray(o, RESP3))).isEqualTo("_\r\n");
    assertThat(written(o -> RespWriter.bulkOrNull(o, RESP2, null))).isEqualTo("$-1\r\n");
    assertThat(written(o -> RespWriter.bulkOrNull(o, RESP3, null))).isEqualTo("_\r\n");
    assertThat(written(o -> RespWriter.bulkOrNull(o, RESP3, new byte[] {'v'}))).isEqualTo("$1\r\nv\r\n");
  }

  @Test
  void aggregates() {
    assertThat(written(o -> RespWriter.arrayHeader(o, 0))).isEqualTo("*0\r\n");
    assertThat(written(o -> RespWriter.arrayHeader(o, 3))).isEqualTo("*3\r\n");
    assertThat(written(o -> RespWriter.mapHeader(o, RESP3, 2))).isEqualTo("%2\r\n");
    assertThat(written(o -> RespWriter.mapHeader(o, RESP2, 2))).isEqualTo("*4\r\n");
    assertThat(written(o -> RespWriter.mapHeader(o, RESP2, 0))).isEqualTo("*0\r\n");
    assertThat(written(o -> RespWriter.setHeader(o, RESP3, 2))).isEqualTo("~2\r\n");
    assertThat(written(o -> RespWriter.setHeader(o, RESP2, 2))).isEqualTo("*2\r\n");
    assertThat(written(o -> RespWriter.pushHeader(o, RESP3, 3))).isEqualTo(">3\r\n");
    assertThat(written(o -> RespWriter.pushHeader(o, RESP2, 3))).isEqualTo("*3\r\n");
    assertThat(written(o -> RespWriter.attributeHeader(o, 1))).isEqualTo("|1\r\n");
  }

  @Test
  void doubles() {
    assertThat(written(o -> RespWriter.doubleValue(o, RESP3, "3.14"))).isEqualTo(",3.14\r\n");
    assertThat(written(o -> RespWriter.doubleValue(o, RESP2, "3.14"))).isEqualTo("$4\r\n3.14\r\n");
    assertThat(written(o -> RespWriter.doubleValue(o, RESP3, "inf"))).isEqualTo(",inf\r\n");
    assertThat(written(o -> RespWriter.doubleValue(o, RESP2, "-inf"))).isEqualTo("$4\r\n-inf\r\n");
  }

  @Test
  void booleans() {
    assertThat(written(o -> RespWriter.bool(o, RESP3, true))).isEqualTo("#t\r\n");
    assertThat(written(o -> RespWriter.bool(o, RESP3, false))).isEqualTo("#f\r\n");
    assertThat(written(o -> RespWriter.bool(o, RESP2, true))).isEqualTo(":1\r\n");
    assertThat(written(o -> RespWriter.bool(o, RESP2, false))).isEqualTo(":0\r\n");
  }

  @Test
  void bigNumbers() {
    String n = "3492890328409238509324850943850943825024385";
    assertThat(written(o -> RespWriter.bigNumber(o, RESP3, n))).isEqualTo("(" + n + "\r\n");
    assertThat(written(o -> RespWriter.bigNumber(o, RESP2, n))).isEqualTo("$43\r\n" + n + "\r\n");
  }

  @Test
  void verbatim() {
    assertThat(written(o -> RespWriter.verbatim(o, RESP3, "Some string")))
        .isEqualTo("=15\r\ntxt:Some string\r\n");
    assertThat(written(o -> RespWriter.verbatim(o, RESP2, "Some string")))
        .isEqualTo("$11\r\nSome string\r\n");
    assertThat(written(o -> RespWriter.verbatim(o, RESP3, "é"))).isEqualTo(utf8("=6\r\ntxt:é\r\n"));
    assertThat(written(o -> RespWriter.verbatim(o, RESP3, "mkd", RespWriter.ascii("# hi"))))
        .isEqualTo("=8\r\nmkd:# hi\r\n");
    assertThat(written(o -> RespWriter.verbatim(o, RESP2, "mkd", RespWriter.ascii("# hi"))))
        .isEqualTo("$4\r\n# hi\r\n");
    assertThatThrownBy(() -> written(o -> RespWriter.verbatim(o, RESP3, "md", new byte[0])))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decimals() {
    for (long v : new long[] {0, 9, 10, 99, 100, 1023, 1024, 999_999, 1_000_000, -5, -1024, Long.MAX_VALUE, Long.MIN_VALUE}) {
      assertThat(written(o -> RespWriter.writeDecimal(o, v))).isEqualTo(Long.toString(v));
    }
  }
}
