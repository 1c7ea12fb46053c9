package io.corvid.client.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (7.0.15 on the test machines) on a free port, in its own working directory,
 * stopped by PID. {@link #restart()} starts it again on the same port (for reconnect tests).
 */
public final class RedisProcess implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = 20_000;

  private final int port;
  private final List<String> options;
  private final Path dir;
  private Process process;

  private RedisProcess(int port, List<String> options) throws IOException {
    this.port = port;
    this.options = options;
    this.dir = Files.createTempDirectory("corvid-client-redis-");
    start();
  }

  /** Starts redis-server with the given extra options, e.g. "--requirepass", "secret". */
  public static RedisProcess start(String... options) {
    try {
      return new RedisProcess(freePort(), List.of(options));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts redis-server on {@code port} (e.g. one whose bus port +10000 is also free). */
  public static RedisProcess startOn(int port, String... options) {
    try {
      return new RedisProcess(port, List.of(options));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void start() throws IOException {
    List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
    cmd.addAll(options);
    process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile()).start();
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited: " + log());
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assert s.isConnected();
        return;
      } catch (IOException notYet) {
        sleep(20);
      }
    }
    throw new IllegalStateException("redis-server did not start on " + port + ": " + log());
  }

  public String log() {
    try {
      return Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL, like a crash; {@link #restart()} brings it back. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void restart() {
    try {
      start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    kill();
  }

  /** A free TCP port whose cluster bus port (+10000) is free too. */
  public static int freePort() {
    for (int i = 0; i < 100; i++) {
      int p;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        p = s.getLocalPort();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      if (p + 10000 > 65535) {
        continue;
      }
      try (ServerSocket bus = new ServerSocket(p + 10000, 1, InetAddress.getLoopbackAddress())) {
        assert bus.isBound();
        return p;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port pair");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs redis-cli with {@code args}; returns its output. */
  public static String cli(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("redis-cli");
    Collections.addAll(cmd, args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("redis-cli hung: " + cmd);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
