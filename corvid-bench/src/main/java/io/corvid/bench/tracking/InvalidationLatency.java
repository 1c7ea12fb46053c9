package io.corvid.bench.tracking;

import io.corvid.resp.ProtocolException;
import io.corvid.resp.RespReader;
import io.corvid.resp.RespValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * How long after one client's write another client hears that its cached copy is stale
 * (CLIENT TRACKING, RESP3 push on the tracking connection), against any server that speaks RESP3
 * (Corvid or Redis, side by side in one run).
 *
 * <p>Per iteration: the tracking connection GETs the key (default mode: registering it again,
 * since invalidation is one-shot), then the writer connection SETs it and waits for +OK. A thread
 * that does nothing but read the tracking connection timestamps each push as it is parsed. Two
 * figures per write:
 * <ul>
 *   <li><b>ack -> push</b>: from the writer receiving +OK to the tracker receiving the
 *       invalidation: the window in which a near cache still serves the old value after the write
 *       was acknowledged. Negative when the push arrived first (no stale window); percentiles
 *       are over the signed values.
 *   <li><b>send -> push</b>: from the writer sending SET to the invalidation arriving.
 * </ul>
 *
 * <pre>
 * java -cp corvid-bench-*-benchmarks.jar io.corvid.bench.tracking.InvalidationLatency \
 *     --port 6379 [--port 6380 ...] [--writes 20000] [--warmup 5000] [--bcast]
 * </pre>
 */
public final class InvalidationLatency {
  static final int DEFAULT_WRITES = 20_000;
  static final int DEFAULT_WARMUP_WRITES = 5_000;
  static final long PUSH_TIMEOUT_SECONDS = 10;

  private InvalidationLatency() {}

  public static void main(String[] args) throws Exception {
    int writes = DEFAULT_WRITES;
    int warmup = DEFAULT_WARMUP_WRITES;
    boolean bcast = false;
    String host = "127.0.0.1";
    java.util.List<Integer> ports = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> ports.add(Integer.parseInt(args[++i]));
        case "--host" -> host = args[++i];
        case "--writes" -> writes = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--bcast" -> bcast = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (ports.isEmpty()) {
      ports.add(6379);
    }
    for (int port : ports) {
      measure(host, port, warmup, writes, bcast);
    }
  }

  static void measure(String host, int port, int warmup, int writes, boolean bcast) throws Exception {
    try (Conn writer = new Conn(host, port); Conn tracker = new Conn(host, port)) {
      String server = serverName(tracker.callSync("HELLO", "3"));
      Reader reader = new Reader(tracker);
      reader.start();
      tracker.send(bcast ? new String[] {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "lat:"}
          : new String[] {"CLIENT", "TRACKING", "on"});
      expectReply(reader, "OK");
      long[] ackToPush = new long[writes];
      long[] sendToPush = new long[writes];
      int pushFirst = 0;
      String key = "lat:key";
      for (int i = -warmup; i < writes; i++) {
        if (!bcast) {
          tracker.send("GET", key);
          reader.replies.poll(PUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        long sent = System.nanoTime();
        RespValue ok = writer.callSync("SET", key, Integer.toString(i));
        long acked = System.nanoTime();
        if (!(ok instanceof RespValue.SimpleString)) {
          throw new IllegalStateException("SET answered " + ok);
        }
        Long pushed = reader.pushes.poll(PUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (pushed == null) {
          throw new IllegalStateException("no invalidation within " + PUSH_TIMEOUT_SECONDS + " s on port " + port);
        }
        if (i >= 0) {
          ackToPush[i] = pushed - acked;
          sendToPush[i] = pushed - sent;
          if (pushed < acked) {
            pushFirst++;
          }
        }
      }
      reader.interrupt();
      System.out.printf(Locale.ROOT, "%s on port %d, %s mode, %d writes (after %d warm-up):%n", server, port,
          bcast ? "BCAST" : "default", writes, warmup);
      print("  ack -> push ", ackToPush);
      print("  send -> push", sendToPush);
      System.out.printf(Locale.ROOT, "  invalidation before the writer's +OK: %.1f%% of writes%n", 100.0 * pushFirst / writes);
    }
  }

  private static void print(String label, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(Locale.ROOT, "%s p50 %7.1f us   p99 %7.1f us   p99.9 %7.1f us   max %8.1f us%n", label,
        s[s.length / 2] / 1e3, s[(int) (s.length * 0.99)] / 1e3, s[(int) (s.length * 0.999)] / 1e3, s[s.length - 1] / 1e3);
  }

  private static String serverName(RespValue hello) {
    if (hello instanceof RespValue.MapValue m) {
      String name = "?";
      String version = "?";
      for (RespValue.Entry e : m.entries()) {
        String k = text(e.key());
        if (k.equals("version")) {
          version = text(e.value());
        }
        if (k.equals("server")) {
          name = text(e.value());
        }
      }
      return name + " " + version;
    }
    return "?";
  }

  private static String text(RespValue v) {
    return v instanceof RespValue.Bulk b ? b.asString() : String.valueOf(v);
  }

  private static void expectReply(Reader reader, String simple) throws InterruptedException {
    RespValue v = reader.replies.poll(PUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!(v instanceof RespValue.SimpleString s) || !s.text().equals(simple)) {
      throw new IllegalStateException("expected +" + simple + ", got " + v);
    }
  }

  /** Reads the tracking connection: pushes are timestamped, replies are handed to the main thread. */
  static final class Reader extends Thread {
    final Conn conn;
    final BlockingQueue<Long> pushes = new LinkedBlockingQueue<>();
    final BlockingQueue<RespValue> replies = new LinkedBlockingQueue<>();

    Reader(Conn conn) {
      super("tracking-reader");
      this.conn = conn;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        while (!isInterrupted()) {
          RespValue v = conn.read();
          long now = System.nanoTime();
          if (v instanceof RespValue.Push) {
            pushes.add(now);
          } else {
            replies.add(v);
          }
        }
      } catch (IOException | ProtocolException | RuntimeException e) {
        // connection closed at the end of the run
      }
    }
  }

  /** A blocking RESP connection. */
  static final class Conn implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final RespReader parser = new RespReader();
    private final ByteBuf buffer = Unpooled.buffer();
    private final byte[] chunk = new byte[65536];

    Conn(String host, int port) throws IOException {
      socket = new Socket(host, port);
      socket.setTcpNoDelay(true);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    void send(String... args) throws IOException {
      StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    RespValue read() throws IOException, ProtocolException {
      while (true) {
        RespValue v = parser.read(buffer);
        if (v != null) {
          buffer.discardReadBytes();
          return v;
        }
        int n = in.read(chunk);
        if (n < 0) {
          throw new IOException("closed");
        }
        buffer.writeBytes(chunk, 0, n);
      }
    }

    RespValue callSync(String... args) throws IOException, ProtocolException {
      send(args);
      return read();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
