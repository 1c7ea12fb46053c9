package io.corvid.resp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes {@link RequestParser}. Runs its seed corpus ({@code
 * src/test/resources/io/corvid/resp/RequestParserFuzzTestInputs/parse}) in every build; see
 * corvid-resp/README.md to fuzz for longer.
 *
 * <p>Invariants checked for every input: the only exception is {@link ProtocolException}; every
 * call that had bytes consumes all of them or completes a request after consuming at least one;
 * every argument lies inside the arena and the arguments of a request hold no more bytes than the
 * request consumed; the result does not depend on how the input was split into reads; and it is the
 * same with and without the parser's fast path for whole requests.
 */
class RequestParserFuzzTest {
  /** Most parse calls for one input: each consumes a byte or more, so this is never reached. */
  private static final int MAX_CALLS = 1 << 20;

  @FuzzTest(maxDuration = "10s")
  void parse(FuzzedDataProvider data) {
    // Small limits so that the fuzzer reaches them; the defaults are covered by the unit tests.
    RespLimits limits =
        new RespLimits(
            data.consumeLong(0, 64),
            data.consumeInt(0, 16),
            data.consumeInt(0, 64),
            data.consumeLong(1, 256));
    int chunk = data.consumeInt(1, 8);
    byte[] input = data.consumeRemainingAsBytes();

    List<String> whole = run(limits, input, input.length, true);
    List<String> chunked = run(limits, input, chunk, true);
    assertThat(chunked).isEqualTo(whole);
    // The fast path for whole requests must not change any result: compare with the state machine alone.
    assertThat(run(limits, input, input.length, false)).isEqualTo(whole);
  }

  private static List<String> run(RespLimits limits, byte[] input, int chunk, boolean fastPath) {
    RequestParser parser = new RequestParser(limits, fastPath);
    Request request = new Request();
    ByteBuf in = Unpooled.buffer(input.length);
    List<String> results = new ArrayList<>();
    long consumedForRequest = 0;
    int calls = 0;
    try {
      for (int at = 0; at < input.length; at += chunk) {
        in.writeBytes(input, at, Math.min(chunk, input.length - at));
        for (; ; ) {
          assertThat(++calls).isLessThan(MAX_CALLS);
          int before = in.readerIndex();
          boolean readable = in.isReadable();
          boolean complete = parser.parse(in, request);
          int consumed = in.readerIndex() - before;
          assertThat(consumed).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(in.writerIndex() - before);
          consumedForRequest += consumed;
          if (!complete) {
            assertThat(in.readableBytes()).as("everything consumed").isZero();
            break;
          }
          assertThat(readable && consumed > 0).as("progress").isTrue();
          checkArguments(request, consumedForRequest);
          consumedForRequest = 0;
          results.add(ParseHarness.describe(request));
        }
      }
    } catch (ProtocolException e) {
      assertThat(e.getMessage()).isNotEmpty();
      results.add("!" + e.getMessage());
    } finally {
      in.release();
    }
    return results;
  }

  private static void checkArguments(Request r, long consumed) {
    assertThat(r.argc()).isPositive();
    long total = 0;
    for (int i = 0; i < r.argc(); i++) {
      assertThat(r.offset(i)).isNotNegative();
      assertThat(r.length(i)).isNotNegative();
      assertThat((long) r.offset(i) + r.length(i)).isLessThanOrEqualTo(r.buffer().length);
      total += r.length(i);
    }
    // Skipped empty requests before this one were consumed in the same span, so <= holds.
    assertThat(total).isLessThanOrEqualTo(consumed);
    assertThat((long) r.argc()).isLessThanOrEqualTo(consumed);
  }
}
