package io.corvid.client.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.Request;
import io.corvid.resp.RequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandEncoderTest {
  @Test
  void writesAnArrayOfBulkStrings() {
    ByteBuf out = Unpooled.buffer();
    byte[][] args = Command.args("SET", "k", "");
    CommandEncoder.encode(args, out);
    assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    assertThat(CommandEncoder.encodedLength(args)).isEqualTo(out.readableBytes());
  }

  @Test
  void theServersParserReadsBackWhatWasWritten() throws Exception {
    for (int len : new int[] {0, 1, 9, 10, 99, 100, 12345, 100_000}) {
      byte[] value = new byte[len];
      for (int i = 0; i < len; i++) {
        value[i] = (byte) (i * 31);
      }
      byte[][] args = {"SET".getBytes(), "key\r\n".getBytes(), value};
      ByteBuf out = Unpooled.buffer();
      CommandEncoder.encode(args, out);
      assertThat(CommandEncoder.encodedLength(args)).isEqualTo(out.readableBytes());
      RequestParser parser = new RequestParser(io.corvid.resp.RespLimits.defaults());
      Request request = new Request();
      assertThat(parser.parse(out, request)).isTrue();
      assertThat(request.argc()).isEqualTo(3);
      assertThat(request.bytes(2)).isEqualTo(value);
      assertThat(request.bytes(1)).isEqualTo("key\r\n".getBytes());
      assertThat(out.isReadable()).isFalse();
    }
  }
}
