package io.corvid.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ClusterProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corvid cluster start|status|leave|stop}, run as a user runs them (its own JVM, as
 * bin/corvid does), against the real nodes it starts.
 */
class ClusterToolIT {
  @TempDir
  Path runDir;
  int port;

  @AfterEach
  void killLeftovers() throws IOException {
    // Whatever the test left running is killed by its PID (from the run directory).
    if (Files.isDirectory(runDir)) {
      try (var files = Files.list(runDir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
          ProcessHandle.of(Long.parseLong(Files.readString(f).trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
  }

  @Test
  void startStatusLeaveStop() throws Exception {
    port = ClusterProcesses.freeConsecutivePorts(3);
    Result start = tool("start", "--nodes", "3", "--port", Integer.toString(port), "--run-dir", runDir.toString());
    assertThat(start.code).as(start.output).isZero();
    assertThat(start.output).contains("state ok", "3 node(s)", "16384 slot(s) assigned", "0 slot(s) migrating");
    for (int i = 0; i < 3; i++) {
      assertThat(Files.exists(runDir.resolve("node-" + (port + i) + ".pid"))).isTrue();
    }

    Result status = tool("status", "-p", Integer.toString(port + 1));
    assertThat(status.code).as(status.output).isZero();
    for (int i = 0; i < 3; i++) {
      assertThat(status.output).contains("127.0.0.1:" + (port + i));
    }
    assertThat(status.output).containsPattern("epoch \\d+");

    Result leave = tool("leave", "-p", Integer.toString(port + 2));
    assertThat(leave.code).as(leave.output).isZero();
    assertThat(leave.output).contains("has left");
    long pid = Long.parseLong(Files.readString(runDir.resolve("node-" + (port + 2) + ".pid")).trim());
    // The node closed its connections on its way out; it exits right after.
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(60, TimeUnit.SECONDS).join());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    Result after = tool("status", "-p", Integer.toString(port));
    assertThat(after.code).as(after.output).isZero();
    assertThat(after.output).contains("2 node(s)").doesNotContain("127.0.0.1:" + (port + 2));

    Result stop = tool("stop", "--port", Integer.toString(port), "--run-dir", runDir.toString());
    assertThat(stop.code).as(stop.output).isZero();
    assertThat(stop.output).contains("node " + port + ": stopped", "node " + (port + 2) + ": not running");
    try (var files = Files.list(runDir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".pid")).toList()).isEmpty();
    }

    Result again = tool("status", "-p", Integer.toString(port));
    assertThat(again.code).isEqualTo(1);
    assertThat(again.output).contains("corvid cluster status: 127.0.0.1:" + port);
  }

  record Result(int code, String output) {}

  private static Result tool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), "io.corvid.server.Main", "cluster"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("corvid cluster " + String.join(" ", args) + " did not finish");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    System.out.println("$ corvid cluster " + String.join(" ", args) + "\n" + text);
    return new Result(p.exitValue(), text);
  }
}
