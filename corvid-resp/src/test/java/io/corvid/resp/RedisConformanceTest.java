package io.corvid.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Differential test against a real {@code redis-server} (skipped when none is on the PATH): each
 * input is sent to Redis and to {@link RequestParser}, and the replies Redis sends must be the
 * ones our parse predicts: {@code ECHO x} answers {@code x}, {@code PING} answers {@code PONG},
 * a protocol error answers {@code -ERR <our message>} and closes the connection.
 */
@Tag("redis")
class RedisConformanceTest {
  private static final byte[] SENTINEL = ParseHarness.bytes("*2\r\n$4\r\nECHO\r\n$8\r\nsentinel\r\n");
  private static final String SENTINEL_REPLY = "$8\r\nsentinel\r\n";
  private static Process redis;
  private static int port;

  private static final String[] CASES = {
    "ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n",
    "ECHO \"\\x41\\x4a\\x4A\\xff\\x00\"\r\n",
    "ECHO \"\\xZZ\\x4\"\r\n",
    "ECHO 'it\\'s'\r\n",
    "ECHO 'a\\nb'\r\n",
    "ECHO a\"b c\"\r\n",
    "ECHO \"a\"\u000b\r\n",
    "ECHO a\u000bb\fc\r\n",
    "ECHO \"\"\r\n",
    "  ECHO \t x  \n",
    "ECHO \"abc\r\n",
    "ECHO \"abc\"def\r\n",
    "ECHO \"abc\\\"\r\n",
    "ECHO \"abc\\\r\n",
    "ECHO a\"b\r\n",
    "ECHO 'abc'def\r\n",
    "*00\r\n",
    "*+1\r\n",
    "*-0\r\n",
    "*1 \r\n",
    "*\r\n",
    "*-\r\n",
    "*x\r\n",
    "*-9223372036854775808\r\nPING\r\n",
    "*-9223372036854775809\r\n",
    "*3000000000\r\n",
    "*99999999999999999999\r\n",
    "*123456789012345678901\r\n",
    "*1\r\n$-1\r\n",
    "*1\r\n$01\r\n",
    "*1\r\n$\r\n",
    "*1\r\n$536870913\r\n",
    "*1\r\n\r\n",
    "*1\r\n:1\r\n",
    "*3\r\n$4\r\nECHO\r\n$1\r\nx\r\nfooz\r\n",
    "*1\rX$4\rYPINGab*1\r\n$4\r\nPING\r\n",
    "*0\r\n*-1\r\n\r\n  \nPING\r\n",
    "*2\r\n$4\r\nECHO\r\n$6\r\n\r\n\0*$\n\r\n",
  };

  @BeforeAll
  static void startRedis() throws Exception {
    File binary = findOnPath("redis-server");
    assumeTrue(binary != null, "redis-server not installed");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    redis =
        new ProcessBuilder(
                binary.getPath(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--enable-debug-command", "yes")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        // Redis before 7.0 rejects --enable-debug-command and exits: skip rather than fail.
        assumeTrue(redis.isAlive(), "redis-server did not start (Redis 7 or later needed)");
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  @AfterAll
  static void stopRedis() throws InterruptedException {
    if (redis != null) {
      redis.destroy();
      redis.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void repliesMatchOurParse() throws IOException {
    for (String c : CASES) {
      byte[] input = concat(ParseHarness.bytes(c), SENTINEL);
      assertThat(redisReplies(input)).as("input %s", c.replace("\r", "\\r").replace("\n", "\\n"))
          .isEqualTo(predictedReplies(input));
    }
  }

  /**
   * {@code DEBUG PROTOCOL <type>} makes Redis send one reply of each type. {@link RespWriter} must
   * produce the very same bytes, in RESP2 and in RESP3, and {@link RespReader} must read them.
   */
  @Test
  void writerAndReaderMatchRedisForEveryReplyType() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      RespReader reader = new RespReader();
      ByteBuf in = Unpooled.buffer();
      for (RespVersion v : RespVersion.values()) {
        RespValue hello = call(s, reader, in, "HELLO", Integer.toString(v.number())).get(0);
        assertThat(hello).isInstanceOf(v == RespVersion.RESP3 ? RespValue.MapValue.class : RespValue.Array.class);

        assertSame(s, reader, in, v, "string", o -> RespWriter.bulk(o, "Hello World"));
        assertSame(s, reader, in, v, "integer", o -> RespWriter.integer(o, 12345));
        assertSame(s, reader, in, v, "double", o -> RespWriter.doubleValue(o, v, "3.141"));
        assertSame(s, reader, in, v, "bignum", o -> RespWriter.bigNumber(o, v, "1234567999999999999999999999999999999"));
        assertSame(s, reader, in, v, "null", o -> RespWriter.nullBulk(o, v));
        assertSame(s, reader, in, v, "true", o -> RespWriter.bool(o, v, true));
        assertSame(s, reader, in, v, "false", o -> RespWriter.bool(o, v, false));
        assertSame(s, reader, in, v, "verbatim", o -> RespWriter.verbatim(o, v, "This is a verbatim\nstring"));
        assertSame(s, reader, in, v, "array", o -> {
          RespWriter.arrayHeader(o, 3);
          for (int j = 0; j < 3; j++) {
            RespWriter.integer(o, j);
          }
        });
        assertSame(s, reader, in, v, "set", o -> {
          RespWriter.setHeader(o, v, 3);
          for (int j = 0; j < 3; j++) {
            RespWriter.integer(o, j);
          }
        });
        assertSame(s, reader, in, v, "map", o -> {
          RespWriter.mapHeader(o, v, 3);
          for (int j = 0; j < 3; j++) {
            RespWriter.integer(o, j);
            RespWriter.bool(o, v, j == 1);
          }
        });
        assertSame(s, reader, in, v, "attrib", o -> {
          if (v == RespVersion.RESP3) {
            RespWriter.attributeHeader(o, 1);
            RespWriter.bulk(o, "key-popularity");
            RespWriter.arrayHeader(o, 2);
            RespWriter.bulk(o, "key:123");
            RespWriter.integer(o, 90);
          }
          RespWriter.bulk(o, "Some real reply following the attribute");
        });
        if (v == RespVersion.RESP3) {
          assertSame(s, reader, in, v, "push", o -> {
            RespWriter.pushHeader(o, v, 2);
            RespWriter.bulk(o, "server-cpu-usage");
            RespWriter.integer(o, 42);
            RespWriter.bulk(o, "Some real reply following the push reply");
          });
        }
      }
    }
  }

  /** Our bytes equal Redis's, and Redis's bytes read as what our bytes read as. */
  private static void assertSame(
      Socket s, RespReader reader, ByteBuf in, RespVersion v, String type,
      java.util.function.Consumer<ByteBuf> write) throws Exception {
    ByteBuf ours = Unpooled.buffer();
    write.accept(ours);
    String expectedBytes = ours.toString(StandardCharsets.ISO_8859_1);
    List<RespValue> expectedValues = new ArrayList<>();
    RespReader ourReader = new RespReader();
    RespValue value;
    while ((value = ourReader.read(ours)) != null) {
      expectedValues.add(value);
    }
    int replies = expectedValues.size();
    List<RespValue> got = new ArrayList<>();
    String raw = callRaw(s, reader, in, replies, got, "DEBUG", "PROTOCOL", type);
    assertThat(raw).as("%s %s bytes", v, type).isEqualTo(expectedBytes);
    assertThat(got).as("%s %s values", v, type).isEqualTo(expectedValues);
  }

  private static List<RespValue> call(Socket s, RespReader reader, ByteBuf in, String... args)
      throws Exception {
    List<RespValue> got = new ArrayList<>();
    callRaw(s, reader, in, 1, got, args);
    return got;
  }

  /** Sends a command, reads {@code replies} replies with {@code reader}; returns their bytes. */
  private static String callRaw(
      Socket s, RespReader reader, ByteBuf in, int replies, List<RespValue> got, String... args)
      throws Exception {
    Request request = new Request();
    byte[][] argv = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    request.set(argv);
    ByteBuf cmd = Unpooled.buffer();
    RespWriter.arrayHeader(cmd, request.argc());
    for (int i = 0; i < request.argc(); i++) {
      RespWriter.bulk(cmd, request.bytes(i));
    }
    s.getOutputStream().write(io.netty.buffer.ByteBufUtil.getBytes(cmd));
    StringBuilder raw = new StringBuilder();
    byte[] buf = new byte[4096];
    while (got.size() < replies) {
      int start = in.readerIndex();
      RespValue v = reader.read(in);
      raw.append(in.toString(start, in.readerIndex() - start, StandardCharsets.ISO_8859_1));
      if (v != null) {
        got.add(v);
        continue;
      }
      in.clear();
      int n = s.getInputStream().read(buf);
      if (n < 0) {
        throw new IOException("closed");
      }
      in.writeBytes(buf, 0, n);
    }
    return raw.toString();
  }


  /** What Redis must send back if it parses {@code input} as we do. */
  private static String predictedReplies(byte[] input) {
    RequestParser parser = new RequestParser(RespLimits.defaults());
    Request r = new Request();
    ByteBuf in = Unpooled.wrappedBuffer(input);
    StringBuilder replies = new StringBuilder();
    try {
      while (parser.parse(in, r)) {
        if (r.equalsIgnoreCase(0, ParseHarness.bytes("PING"))) {
          replies.append("+PONG\r\n");
        } else if (r.equalsIgnoreCase(0, ParseHarness.bytes("ECHO")) && r.argc() == 2) {
          replies.append('$').append(r.length(1)).append("\r\n");
          replies.append(new String(r.bytes(1), StandardCharsets.ISO_8859_1)).append("\r\n");
        } else {
          throw new AssertionError("case must use PING or ECHO x: " + ParseHarness.describe(r));
        }
      }
    } catch (ProtocolException e) {
      replies.append("-ERR ").append(e.getMessage().replace('\r', ' ').replace('\n', ' '));
      replies.append("\r\n<closed>");
    }
    return replies.toString();
  }

  /** Redis's replies through the sentinel's (the connection stays open) or until it closes. */
  private static String redisReplies(byte[] input) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(input);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      while (true) {
        String text = got.toString(StandardCharsets.ISO_8859_1);
        if (text.endsWith(SENTINEL_REPLY)) {
          return text;
        }
        int n = in.read(buf);
        if (n < 0) {
          return text + "<closed>";
        }
        got.write(buf, 0, n);
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static File findOnPath(String name) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/bin");
    dirs.add("/usr/local/bin");
    for (String dir : dirs) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f;
      }
    }
    return null;
  }
}
