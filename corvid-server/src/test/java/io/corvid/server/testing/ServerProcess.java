package io.corvid.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Corvid node in its own JVM, for tests that drive it with real clients. It listens on an
 * ephemeral port ({@code --port 0}); the port is read from the startup line
 * {@code ... ready to accept connections on HOST:PORT ...}. {@link #close()} stops it by PID
 * (SIGTERM, then SIGKILL after a grace period), so no process outlives the test.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("ready to accept connections on [^\\s]*:(\\d+)");
  private static final long START_TIMEOUT_SECONDS = 60;
  private static final long STOP_GRACE_SECONDS = 10;

  private final Process process;
  private final int port;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());

  private ServerProcess(List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    process = pb.start();
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          Matcher m = READY.matcher(line);
          if (!ready.isDone() && m.find()) {
            ready.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException ignored) {
        // process ended
      } finally {
        ready.completeExceptionally(new IllegalStateException("server exited before it was ready:\n" + String.join("\n", output)));
      }
    }, "corvid-test-output-" + process.pid());
    pump.setDaemon(true);
    pump.start();
    try {
      port = ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      destroy();
      throw new IllegalStateException("Corvid did not start: " + e.getMessage() + "\n" + String.join("\n", output), e);
    }
  }

  /** Starts a node with the given extra options (e.g. "--maxmemory", "10mb"). */
  public static ServerProcess start(String... options) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExecutable());
    cmd.add("-Xmx512m");
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.corvid.server.Main");
    cmd.add("server");
    cmd.add("--port");
    cmd.add("0");
    Collections.addAll(cmd, options);
    try {
      return new ServerProcess(cmd);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts a node with the given heap ({@code -Xmx}) and exactly the given options (no implicit
   * {@code --port 0}), for harnesses that choose ports themselves, such as {@link ClusterProcesses}.
   */
  public static ServerProcess startWithHeap(String maxHeap, List<String> options) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExecutable());
    cmd.add("-Xmx" + maxHeap);
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.corvid.server.Main");
    cmd.add("server");
    cmd.addAll(options);
    try {
      return new ServerProcess(cmd);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL, as kill -9: the node gets no chance to leave the cluster or close anything. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
  }

  /** The JDK running this test (JDK 25 under the Maven toolchain). */
  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the node printed so far. */
  public List<String> output() {
    synchronized (output) {
      return new ArrayList<>(output);
    }
  }

  /** Waits for the node to exit by itself (after SHUTDOWN) and returns its exit code. */
  public int waitForExit(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      throw new IllegalStateException("server still running after " + timeout + " " + unit);
    }
    return process.exitValue();
  }

  /** Sends SIGTERM and waits for a graceful exit; returns the exit code. */
  public int terminate() throws InterruptedException {
    return terminate(STOP_GRACE_SECONDS);
  }

  /**
   * Sends SIGTERM and waits up to {@code graceSeconds} for a graceful exit (then SIGKILL); returns
   * the exit code. A cluster node hands its slots over first, which takes longer than a plain stop.
   */
  public int terminate(long graceSeconds) throws InterruptedException {
    // SIGTERM through the ProcessHandle: Process.destroy() also closes the pipe from the node, so
    // what it logs while stopping (a cluster node's leave) would never reach output().
    process.toHandle().destroy();
    if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return process.exitValue();
  }

  /** kill -9: the node gets no chance to clean up (crash tests). Returns when it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
  }

  private void destroy() {
    process.destroyForcibly();
    try {
      process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
          destroy();
        }
      } catch (InterruptedException e) {
        destroy();
        Thread.currentThread().interrupt();
      }
    }
  }
}
