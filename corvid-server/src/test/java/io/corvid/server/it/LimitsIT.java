package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every limit, exceeded on a real server over raw sockets: the offender gets Redis's error (or is
 * closed), and the server keeps serving everybody else.
 */
class LimitsIT {
  static ServerProcess server;
  static RawClient admin;

  @BeforeAll
  static void start() {
    server = ServerProcess.start("--proto-max-bulk-len", "1mb", "--client-query-buffer-limit", "2mb",
        "--max-multibulk-length", "1000", "--max-inline-length", "4096");
    admin = new RawClient(server);
  }

  @AfterAll
  static void stop() {
    admin.close();
    server.close();
  }

  @AfterEach
  void stillServing() {
    assertThat(text(admin.call("PING"))).isEqualTo("PONG");
  }

  @Test
  void bulkLongerThanProtoMaxBulkLenIsAProtocolError() {
    try (RawClient c = new RawClient(server)) {
      c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (1024 * 1024 + 1) + "\r\n");
      assertThat(text(c.read())).isEqualTo("ERR Protocol error: invalid bulk length");
      assertThat(c.closedByServer(5000)).isTrue();
    }
    try (RawClient c = new RawClient(server)) {
      // exactly at the limit is fine
      String big = "x".repeat(1024 * 1024);
      assertThat(text(c.call("SET", "big", big))).isEqualTo("OK");
      assertThat(c.call("STRLEN", "big")).isEqualTo(RespValue.integer(1024 * 1024));
    }
  }

  @Test
  void tooManyArgumentsIsAProtocolError() {
    try (RawClient c = new RawClient(server)) {
      c.send("*1001\r\n");
      assertThat(text(c.read())).isEqualTo("ERR Protocol error: invalid multibulk length");
      assertThat(c.closedByServer(5000)).isTrue();
    }
  }

  @Test
  void tooLongInlineLineIsAProtocolError() {
    try (RawClient c = new RawClient(server)) {
      c.send("PING " + "a".repeat(5000));
      assertThat(text(c.read())).isEqualTo("ERR Protocol error: too big inline request");
      assertThat(c.closedByServer(5000)).isTrue();
    }
  }

  @Test
  void requestBiggerThanQueryBufferLimitClosesTheConnection() {
    try (RawClient c = new RawClient(server)) {
      String part = "y".repeat(900 * 1024);
      c.send("*4\r\n$3\r\nSET\r\n$1\r\nq\r\n$" + part.length() + "\r\n" + part + "\r\n$" + part.length() + "\r\n" + part + "\r\n$"
          + part.length() + "\r\n" + part + "\r\n");
      assertThat(c.closedByServer(5000)).isTrue();
    }
  }

  @Test
  void maxclientsRejectsTheExtraConnection() throws Exception {
    // Wait until connections closed by earlier tests are gone: only the admin connection is left.
    long deadline = System.currentTimeMillis() + 10_000;
    while (!text(admin.call("INFO", "clients")).contains("connected_clients:1\r\n") && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(text(admin.call("CONFIG", "SET", "maxclients", "2"))).isEqualTo("OK");
    try (RawClient ok = new RawClient(server)) {
      assertThat(text(ok.call("PING"))).isEqualTo("PONG");
      RawClient rejected = new RawClient(server);
      assertThat(text(rejected.read())).isEqualTo("ERR max number of clients reached");
      assertThat(rejected.closedByServer(5000)).isTrue();
      rejected.close();
    } finally {
      admin.call("CONFIG", "SET", "maxclients", "10000");
    }
    assertThat(text(admin.call("INFO", "stats"))).containsPattern("rejected_connections:[1-9]");
  }

  @Test
  void garbageNeverCrashesOrHangsTheServer() throws Exception {
    Random random = new Random(42);
    List<byte[]> inputs = new ArrayList<>(List.of(
        "*-5\r\n".getBytes(), "$abc\r\n".getBytes(), "*2\r\n$x\r\n".getBytes(), "*1\r\n$-3\r\n".getBytes(),
        "*99999999999999999999\r\n".getBytes(), "*2\r\n$3\r\nGET\r\n$1\r\nab\r\n".getBytes(), "\"unbalanced\r\n".getBytes(),
        "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET".getBytes(), new byte[] {0, 0, 0, '\r', '\n'}, "\r\n\r\n\r\n".getBytes()));
    for (int i = 0; i < 40; i++) {
      byte[] b = new byte[1 + random.nextInt(3000)];
      random.nextBytes(b);
      if (i % 3 == 0) {
        b[0] = (byte) (i % 2 == 0 ? '*' : '$');
      }
      inputs.add(b);
    }
    for (byte[] in : inputs) {
      try (Socket s = new Socket(server.host(), server.port())) {
        s.setSoTimeout(200);
        OutputStream out = s.getOutputStream();
        out.write(in);
        out.flush();
        try {
          s.getInputStream().read(new byte[4096]);
        } catch (java.net.SocketTimeoutException e) {
          // waiting for more input is a valid answer to a truncated request
        }
      }
    }
    assertThat(server.isAlive()).isTrue();
    assertThat(server.output()).noneMatch(l -> l.contains("Exception") || l.contains("ERROR"));
    String clients = text(admin.call("CLIENT", "LIST"));
    assertThat(clients.strip().lines().count()).isLessThanOrEqualTo(3);
  }

  @Test
  void pubsubSubscriberOverTheHardLimitIsDisconnected() throws Exception {
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0");
    try (RawClient sub = new RawClient(server); RawClient pub = new RawClient(server)) {
      sub.call("SUBSCRIBE", "flood");
      String msg = "m".repeat(16 * 1024);
      long delivered = 1;
      for (int i = 0; i < 2000 && delivered > 0; i++) {
        delivered = ((RespValue.Int) pub.call("PUBLISH", "flood", msg)).value();
      }
      assertThat(delivered).as("subscriber was dropped").isZero();
      assertThat(pub.call("PUBSUB", "NUMSUB", "flood")).isEqualTo(RespValue.array(RespValue.bulk("flood"), RespValue.integer(0)));
      assertThat(sub.closedByServer(10_000)).isTrue();
    } finally {
      admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
    }
    // The server logs before it closes, but its output reaches this JVM through a reader thread.
    long logDeadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < logDeadline
        && server.output().stream().noneMatch(l -> l.contains("closed for overcoming of output buffer limits"))) {
      Thread.sleep(50);
    }
    assertThat(server.output()).anyMatch(l -> l.contains("closed for overcoming of output buffer limits"));
  }

  @Test
  void pubsubSubscriberOverTheSoftLimitForTooLongIsDisconnected() throws Exception {
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 128kb 1");
    try (RawClient sub = new RawClient(server); RawClient pub = new RawClient(server)) {
      sub.call("SUBSCRIBE", "soft");
      String msg = "s".repeat(16 * 1024);
      // Enough to sit over the soft limit (kernel buffers take a few MB first), then stop.
      long delivered = 1;
      for (int i = 0; i < 600 && delivered > 0; i++) {
        delivered = ((RespValue.Int) pub.call("PUBLISH", "soft", msg)).value();
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline
          && !pub.call("PUBSUB", "NUMSUB", "soft").equals(RespValue.array(RespValue.bulk("soft"), RespValue.integer(0)))) {
        Thread.sleep(100);
      }
      assertThat(pub.call("PUBSUB", "NUMSUB", "soft")).isEqualTo(RespValue.array(RespValue.bulk("soft"), RespValue.integer(0)));
    } finally {
      admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
    }
  }

  @Test
  void slowReaderIsThrottledNotBuffered() throws Exception {
    String value = "v".repeat(100 * 1024);
    admin.call("SET", "bp", value);
    int requests = 2000; // 200 MB of replies
    try (RawClient slow = new RawClient(server)) {
      byte[] get = RawClient.encode("GET", "bp");
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = slow.socket().getOutputStream();
          for (int i = 0; i < requests; i++) {
            out.write(get);
          }
          out.flush();
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      writer.start();
      Thread.sleep(1500);
      // The server stopped reading from the slow client: its pending output stays small.
      String list = text(admin.call("CLIENT", "LIST"));
      long maxOmem = list.lines().mapToLong(l -> Long.parseLong(l.replaceAll(".* omem=(\\d+) .*", "$1"))).max().orElse(0);
      assertThat(maxOmem).isLessThan(8L * 1024 * 1024);
      assertThat(text(admin.call("PING"))).isEqualTo("PONG");
      // Nothing was lost: every reply arrives once the client reads.
      for (int i = 0; i < requests; i++) {
        RespValue v = slow.read();
        assertThat(((RespValue.Bulk) v).length()).isEqualTo(value.length());
      }
      writer.join(10_000);
      assertThat(failure.get()).isNull();
    }
  }

  @Test
  void normalClientOverTheHardLimitIsDisconnected() throws Exception {
    admin.call("SET", "huge", "h".repeat(1024 * 1024));
    // Back-pressure keeps a pipelining client's pending output near 1 MB, so a hard limit under
    // that (or single replies bigger than it) is what closes a normal client.
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 512kb 0 0");
    try (RawClient c = new RawClient(server)) {
      StringBuilder pipeline = new StringBuilder();
      for (int i = 0; i < 64; i++) {
        pipeline.append(new String(RawClient.encode("GET", "huge"), StandardCharsets.UTF_8));
      }
      c.send(pipeline.toString());
      Thread.sleep(500);
      assertThat(c.closedByServer(10_000)).isTrue();
    } finally {
      admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
    }
  }
}
