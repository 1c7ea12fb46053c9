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
                "--save", "", "--appendonly", "no")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
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
