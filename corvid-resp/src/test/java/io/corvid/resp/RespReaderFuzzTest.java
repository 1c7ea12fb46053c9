package io.corvid.resp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes {@link RespReader}. Seed corpus: {@code
 * src/test/resources/io/corvid/resp/RespReaderFuzzTestInputs/read}.
 *
 * <p>Invariants: the only exception is {@link ProtocolException}; a call that returns null has
 * consumed every readable byte, a call that returns a value has consumed at least one; the
 * replies read do not depend on how the input was split.
 */
class RespReaderFuzzTest {
  private static final int MAX_CALLS = 1 << 20;

  @FuzzTest(maxDuration = "10s")
  void read(FuzzedDataProvider data) {
    RespReader.Limits limits =
        new RespReader.Limits(
            data.consumeInt(1, 8), data.consumeLong(0, 64), data.consumeLong(0, 16), data.consumeInt(1, 64));
    int chunk = data.consumeInt(1, 8);
    byte[] input = data.consumeRemainingAsBytes();
    assertThat(run(limits, input, chunk)).isEqualTo(run(limits, input, Math.max(1, input.length)));
  }

  private static List<Object> run(RespReader.Limits limits, byte[] input, int chunk) {
    RespReader reader = new RespReader(limits);
    ByteBuf in = Unpooled.buffer(input.length);
    List<Object> results = new ArrayList<>();
    int calls = 0;
    try {
      for (int at = 0; at < input.length; at += chunk) {
        in.writeBytes(input, at, Math.min(chunk, input.length - at));
        for (; ; ) {
          assertThat(++calls).isLessThan(MAX_CALLS);
          int before = in.readerIndex();
          RespValue v = reader.read(in);
          if (v == null) {
            assertThat(in.readableBytes()).as("everything consumed").isZero();
            break;
          }
          assertThat(in.readerIndex()).as("progress").isGreaterThan(before);
          results.add(v);
        }
      }
    } catch (ProtocolException e) {
      assertThat(e.getMessage()).startsWith("Protocol error: ");
      results.add("!" + e.getMessage());
    } finally {
      in.release();
    }
    return results;
  }
}
