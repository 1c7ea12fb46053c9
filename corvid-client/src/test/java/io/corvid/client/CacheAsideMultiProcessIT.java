package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stampede target of issue 4: 100 concurrent misses of one key from 4 JVMs (25 threads each)
 * against a real Corvid node cause exactly 1 loader call. The children are real JVMs started with
 * this test's classpath; the loader counts its calls with INCR on the node.
 */
class CacheAsideMultiProcessIT {
  private static final int PROCESSES = 4;
  private static final int THREADS_PER_PROCESS = 25;

  @Test
  void hundredConcurrentMissesFromFourJvmsCauseOneLoaderCall() throws Exception {
    try (ServerProcess corvid = ServerProcess.start();
        CorvidClient client = CorvidClient.connect(corvid.host() + ":" + corvid.port())) {
      List<Process> children = new ArrayList<>();
      try {
        for (int i = 0; i < PROCESSES; i++) {
          children.add(new ProcessBuilder(
                  javaExecutable(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                  CacheAsideChild.class.getName(), corvid.host() + ":" + corvid.port(), "product:1",
                  String.valueOf(PROCESSES), String.valueOf(THREADS_PER_PROCESS))
              .redirectErrorStream(true)
              .start());
        }
        List<String> results = new ArrayList<>();
        List<String> stats = new ArrayList<>();
        for (Process p : children) {
          String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
          assertThat(p.exitValue()).as(out).isZero();
          for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
              results.add(line.substring(7));
            } else if (line.startsWith("STATS ")) {
              stats.add(line);
            }
          }
        }
        assertThat(results).hasSize(PROCESSES * THREADS_PER_PROCESS);
        assertThat(results).as("everyone got the one loaded value").allMatch(results.get(0)::equals);
        assertThat(client.sync().get("stampede-test:loader-calls")).as("loader calls across 4 JVMs; %s", stats).isEqualTo("1");
        assertThat(client.sync().get("stampede:product:1")).isEqualTo(results.get(0));
      } finally {
        for (Process p : children) {
          p.destroyForcibly();
        }
      }
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

}
