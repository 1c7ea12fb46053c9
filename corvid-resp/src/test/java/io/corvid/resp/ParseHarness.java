package io.corvid.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds bytes to a {@link RequestParser} in chunks and records what it produced: one string per
 * request (arguments joined by '|', bytes as ISO-8859-1) and, at the end, "!" + the error message
 * if one was thrown. Checks after every call that the parser consumed all it was given.
 */
final class ParseHarness {
  private ParseHarness() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String describe(Request r) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < r.argc(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      sb.append(new String(r.buffer(), r.offset(i), r.length(i), StandardCharsets.ISO_8859_1));
    }
    return sb.toString();
  }

  static List<String> parseChunks(RespLimits limits, boolean direct, List<byte[]> chunks) {
    return parseChunks(new RequestParser(limits), direct, chunks);
  }

  static List<String> parseChunks(RequestParser parser, boolean direct, List<byte[]> chunks) {
    Request request = new Request();
    List<String> out = new ArrayList<>();
    ByteBuf buf = direct ? Unpooled.directBuffer() : Unpooled.buffer();
    try {
      for (byte[] chunk : chunks) {
        buf.writeBytes(chunk);
        while (parser.parse(buf, request)) {
          out.add(describe(request));
        }
        assertThat(buf.readableBytes()).as("bytes left unconsumed").isZero();
        buf.discardReadBytes();
      }
    } catch (ProtocolException e) {
      out.add("!" + e.getMessage());
    } finally {
      buf.release();
    }
    return out;
  }

  static List<String> parseWhole(RespLimits limits, byte[] input) {
    return parseChunks(limits, false, List.of(input));
  }

  static List<String> parseByteByByte(RespLimits limits, byte[] input) {
    List<byte[]> chunks = new ArrayList<>();
    for (byte b : input) {
      chunks.add(new byte[] {b});
    }
    return parseChunks(limits, false, chunks);
  }

  static List<String> parseSplitAt(RespLimits limits, byte[] input, int at, boolean direct) {
    byte[] a = java.util.Arrays.copyOfRange(input, 0, at);
    byte[] b = java.util.Arrays.copyOfRange(input, at, input.length);
    return parseChunks(limits, direct, List.of(a, b));
  }

  /** Whole, byte by byte, and split in two at every position: all must give {@code expected}. */
  static void assertParses(RespLimits limits, byte[] input, List<String> expected) {
    assertThat(parseWhole(limits, input)).as("whole").isEqualTo(expected);
    assertThat(parseByteByByte(limits, input)).as("byte by byte").isEqualTo(expected);
    for (int at = 0; at <= input.length; at++) {
      assertThat(parseSplitAt(limits, input, at, (at & 1) == 1))
          .as("split at %d", at)
          .isEqualTo(expected);
    }
  }

  static void assertParses(String input, String... expected) {
    assertParses(RespLimits.defaults(), bytes(input), List.of(expected));
  }
}
