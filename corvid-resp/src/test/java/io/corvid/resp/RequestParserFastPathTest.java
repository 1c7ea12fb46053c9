package io.corvid.resp;

import static io.corvid.resp.ParseHarness.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser's fast path for a whole request already in the buffer ({@code parseWhole}) against
 * the state machine alone: on many generated inputs, valid and malformed, under default and small
 * limits, with and without the unauthenticated limits, parsed whole, byte by byte and split in two
 * at every position, both must give the same requests and the same error.
 */
class RequestParserFastPathTest {
  private static final long SEED = 0x5EED_F457L;
  private static final int INPUTS = 200;

  @Test
  void fastPathTakesAWholeRequestAndTheStateMachineAPartOne() throws ProtocolException {
    // The fast path copies the request whole, so its first argument sits after the headers
    // ("*1\r\n$4\r\n", 8 bytes); the state machine copies payloads only.
    byte[] ping = bytes("*1\r\n$4\r\nPING\r\n");
    Request r = new Request();
    assertThat(new RequestParser(RespLimits.defaults()).parse(Unpooled.wrappedBuffer(ping), r)).isTrue();
    assertThat(r.offset(0)).isEqualTo(8);
    assertThat(ParseHarness.describe(r)).isEqualTo("PING");

    assertThat(new RequestParser(RespLimits.defaults(), false).parse(Unpooled.wrappedBuffer(ping), r)).isTrue();
    assertThat(r.offset(0)).isZero();
    assertThat(ParseHarness.describe(r)).isEqualTo("PING");

    RequestParser split = new RequestParser(RespLimits.defaults());
    assertThat(split.parse(Unpooled.wrappedBuffer(ping, 0, ping.length - 1), r)).isFalse();
    assertThat(split.parse(Unpooled.wrappedBuffer(ping, ping.length - 1, 1), r)).isTrue();
    assertThat(r.offset(0)).isZero();
    assertThat(ParseHarness.describe(r)).isEqualTo("PING");
  }

  @Test
  void largestRequestOfTheFastPathAndOneByteMore() throws ProtocolException {
    String head = "*2\r\n$3\r\nSET\r\n$";
    for (int extra = 0; extra <= 1; extra++) {
      int payload = RequestParser.FAST_PATH_MAX_REQUEST_BYTES - head.length() - 5 - 2 - 2 + extra;
      byte[] input = bytes(head + payload + "\r\n" + "v".repeat(payload) + "\r\n");
      assertThat(input.length).isEqualTo(RequestParser.FAST_PATH_MAX_REQUEST_BYTES + extra);
      Request r = new Request();
      assertThat(new RequestParser(RespLimits.defaults()).parse(Unpooled.wrappedBuffer(input), r)).isTrue();
      assertThat(r.length(1)).isEqualTo(payload);
      assertThat(r.offset(0)).as("fast path taken").isEqualTo(extra == 0 ? 8 : 0);
      assertSameResults(RespLimits.defaults(), false, input);
    }
  }

  @Test
  void fastAndSlowPathsAgreeOnGeneratedInputs() {
    Random random = new Random(SEED);
    int errors = 0;
    int requests = 0;
    for (int n = 0; n < INPUTS; n++) {
      RespLimits limits = switch (n % 4) {
        case 0, 1 -> RespLimits.defaults();
        case 2 -> new RespLimits(random.nextInt(64), random.nextInt(16), random.nextInt(64), 1 + random.nextInt(512));
        default -> RespLimits.defaults().withMaxInlineLength(2 + random.nextInt(4));
      };
      boolean authRequired = n % 5 == 4;
      byte[] input = input(random);
      List<String> result = assertSameResults(limits, authRequired, input);
      requests += result.size();
      if (!result.isEmpty() && result.get(result.size() - 1).startsWith("!")) {
        errors++;
      }
    }
    // The corpus reaches both outcomes often: the comparison is not only of clean requests.
    assertThat(errors).isGreaterThan(INPUTS / 10);
    assertThat(requests - errors).isGreaterThan(INPUTS);
  }

  @Test
  void knownMalformedRequestsAgree() {
    String[] inputs = {
      "*2\r\n$3\r\nGET\r\n$-1\r\n",
      "*2\r\n$3\r\nGET\r\n$01\r\nk\r\n",
      "*02\r\n$3\r\nGET\r\n$1\r\nk\r\n",
      "*0\r\n*1\r\n$4\r\nPING\r\n",
      "*-1\r\n*1\r\n$4\r\nPING\r\n",
      "*2\r\n$3\r\nGET\r\n+1\r\nk\r\n",
      "*1\r\n$4\r\nPINGxy*1\r\n$1\r\nx\r\n",
      "*1\rX$4\rYPINGab",
      "*1\r\n$4x\r\nPING\r\n",
      "*1x\r\n$4\r\nPING\r\n",
      "*\r\n",
      "*1\r\n$\r\n\r\n",
      "*1\r\n$0\r\n\r\n",
      "*1\r\n$1234567890123456789\r\n",
      "*1234567890123456789\r\n",
      "*11\r\n" + "$1\r\na\r\n".repeat(11),
      "*1\r\n$16385\r\n",
      "PING\r\n*1\r\n$4\r\nPING\r\n",
    };
    for (String s : inputs) {
      for (boolean auth : new boolean[] {false, true}) {
        assertSameResults(RespLimits.defaults(), auth, bytes(s));
        assertSameResults(new RespLimits(4, 2, 3, 20), auth, bytes(s));
      }
    }
  }

  /** Asserts fast == slow whole, byte by byte and split at every position; returns the result. */
  private static List<String> assertSameResults(RespLimits limits, boolean authRequired, byte[] input) {
    List<String> slow = run(limits, authRequired, false, List.of(input), false);
    assertThat(run(limits, authRequired, true, List.of(input), false))
        .as("whole: %s", printable(input)).isEqualTo(slow);
    List<byte[]> oneByOne = new ArrayList<>();
    for (byte b : input) {
      oneByOne.add(new byte[] {b});
    }
    assertThat(run(limits, authRequired, true, oneByOne, false))
        .as("byte by byte: %s", printable(input)).isEqualTo(slow);
    for (int at = 0; at <= input.length; at++) {
      List<byte[]> two = List.of(java.util.Arrays.copyOfRange(input, 0, at),
          java.util.Arrays.copyOfRange(input, at, input.length));
      boolean direct = (at & 1) == 1;
      assertThat(run(limits, authRequired, true, two, direct))
          .as("split at %d: %s", at, printable(input)).isEqualTo(slow);
    }
    return slow;
  }

  private static List<String> run(RespLimits limits, boolean authRequired, boolean fastPath,
      List<byte[]> chunks, boolean direct) {
    RequestParser parser = new RequestParser(limits, fastPath);
    parser.authRequired(authRequired);
    return ParseHarness.parseChunks(parser, direct, chunks);
  }

  /** One to six requests: mostly well-formed multibulks, some mutated, some inline or empty. */
  private static byte[] input(Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int count = 1 + random.nextInt(6);
    for (int i = 0; i < count; i++) {
      byte[] request = request(random);
      if (random.nextInt(3) == 0) {
        request = mutate(random, request);
      }
      out.writeBytes(request);
    }
    return out.toByteArray();
  }

  private static byte[] request(Random random) {
    int kind = random.nextInt(20);
    if (kind == 0) {
      return bytes("*0\r\n");
    }
    if (kind == 1) {
      return bytes("GET key" + random.nextInt(100) + "\r\n");
    }
    int argc = kind == 2 ? 8 + random.nextInt(8) : 1 + random.nextInt(4);
    StringBuilder sb = new StringBuilder("*").append(argc).append("\r\n");
    for (int a = 0; a < argc; a++) {
      int len = random.nextInt(10) == 0 ? random.nextInt(100) : random.nextInt(12);
      StringBuilder arg = new StringBuilder();
      for (int j = 0; j < len; j++) {
        arg.append((char) (random.nextInt(8) == 0 ? random.nextInt(256) : 'a' + random.nextInt(26)));
      }
      sb.append('$').append(len).append("\r\n").append(arg).append("\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static final byte[] NOISE = bytes("-0x\r\n$* +9");

  private static byte[] mutate(Random random, byte[] request) {
    int at = random.nextInt(request.length);
    return switch (random.nextInt(3)) {
      case 0 -> { // replace a byte
        byte[] b = request.clone();
        b[at] = random.nextBoolean() ? NOISE[random.nextInt(NOISE.length)] : (byte) random.nextInt(256);
        yield b;
      }
      case 1 -> { // insert a byte
        byte[] b = new byte[request.length + 1];
        System.arraycopy(request, 0, b, 0, at);
        b[at] = NOISE[random.nextInt(NOISE.length)];
        System.arraycopy(request, at, b, at + 1, request.length - at);
        yield b;
      }
      default -> { // drop a byte
        byte[] b = new byte[request.length - 1];
        System.arraycopy(request, 0, b, 0, at);
        System.arraycopy(request, at + 1, b, at, request.length - at - 1);
        yield b;
      }
    };
  }

  private static String printable(byte[] input) {
    return new String(input, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
  }
}
